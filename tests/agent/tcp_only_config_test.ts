/**
 * `-tcp-only` and `tcp_only`: the flag and the config key switch the agent's
 * memberlist into TCP-only mode; left out, the agent runs in the default mode.
 */
import assert from "node:assert/strict";
import { defaultAgentConfig, mergeAgentConfig } from "../../lib/agent/config.ts";
import { decodeAgentConfig } from "../../lib/agent/config_file.ts";
import { agentSerfSettings } from "../../lib/agent/serf_options.ts";
import { configFromFlags } from "../../lib/cli/agent_command.ts";
import { AGENT_FLAGS } from "../../lib/cli/agent_flags.ts";
import { parseFlags } from "../../lib/cli/flags.ts";

const bind = { host: "10.0.0.1", port: 7946 };

function fromFlags(argv: string[]) {
  return configFromFlags(parseFlags(argv, AGENT_FLAGS)).config;
}

Deno.test("agent -tcp-only sets memberlist tcpOnly; without it the default mode stays", () => {
  const on = mergeAgentConfig(defaultAgentConfig(), fromFlags(["-tcp-only"]));
  assert.equal(agentSerfSettings(on, bind, undefined).memberlist?.tcpOnly, true);
  const off = mergeAgentConfig(defaultAgentConfig(), fromFlags([]));
  assert.equal(agentSerfSettings(off, bind, undefined).memberlist?.tcpOnly, false);
});

Deno.test("tcp_only in a config file is a bool that flags cannot switch back off", () => {
  const file = decodeAgentConfig('{"tcp_only": true}');
  assert.equal(file.tcpOnly, true);
  const merged = mergeAgentConfig(mergeAgentConfig(defaultAgentConfig(), file), fromFlags([]));
  assert.equal(merged.tcpOnly, true);
  assert.throws(
    () => decodeAgentConfig('{"tcp_only": "yes"}'),
    /'tcp_only' expected type 'bool', got unconvertible type 'string'/,
  );
});
