/**
 * `serfts agent` wiring of the HTTP API: the `http_addr`/`http_auth` config
 * keys and `-http-addr`/`-http-auth` flags, the start-up log line, and the
 * listener closed when the agent leaves.
 */
import assert from "node:assert/strict";
import { resolveAgentConfig } from "../../lib/agent/config_resolve.ts";
import { configFromFlags } from "../../lib/cli/agent_command.ts";
import { AGENT_FLAGS } from "../../lib/cli/agent_flags.ts";
import { parseFlags } from "../../lib/cli/flags.ts";
import { denoPlatform } from "../../lib/platform/deno.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import { startOurs } from "../cli/_cli.ts";
import { freePort, waitFor } from "../interop/_serf.ts";

Deno.test("http_addr and http_auth come from config files, flags override them, and HTTP is off by default", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.json`, '{"http_addr": "127.0.0.1:7380", "http_auth": "from-file"}');
    const platform = denoPlatform();
    const none = configFromFlags(parseFlags([], AGENT_FLAGS));
    const defaults = await resolveAgentConfig(none.config, [], platform);
    assert.deepEqual([defaults.config.httpAddr, defaults.config.httpAuth], ["", ""]);

    const fromFile = await resolveAgentConfig(none.config, [`${dir}/a.json`], platform);
    assert.deepEqual([fromFile.config.httpAddr, fromFile.config.httpAuth], ["127.0.0.1:7380", "from-file"]);

    const flags = configFromFlags(parseFlags(["-http-addr=127.0.0.1:9", "-http-auth", "tok"], AGENT_FLAGS));
    const both = await resolveAgentConfig(flags.config, [`${dir}/a.json`], platform);
    assert.deepEqual([both.config.httpAddr, both.config.httpAuth], ["127.0.0.1:9", "tok"]);

    await Deno.writeTextFile(`${dir}/bad.json`, '{"http_addr": 7380}');
    await assert.rejects(
      resolveAgentConfig(none.config, [`${dir}/bad.json`], platform),
      /'http_addr' expected type 'string', got unconvertible type 'float64'/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serfts agent -http-addr logs where it serves, and closes the port and its streams when the agent leaves", async () => {
  const httpPort = freePort();
  const rpcAddr = `127.0.0.1:${freePort()}`;
  const running = startOurs([
    "agent",
    "-node=cmd-http",
    `-bind=127.0.0.1:${freePort()}`,
    `-rpc-addr=${rpcAddr}`,
    `-http-addr=127.0.0.1:${httpPort}`,
  ]);
  let client: RpcClient | undefined;
  try {
    const up = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/members`).catch(() => undefined);
      await res?.body?.cancel();
      return res?.status === 200;
    }, 20_000);
    assert.ok(up, running.stdout());
    assert.match(
      running.stdout(),
      new RegExp(
        `\\[INFO\\] agent\\.http: serfts: HTTP API and dashboard at http://127\\.0\\.0\\.1:${httpPort}/`,
      ),
    );

    // An open event stream must not hold the shutdown: it ends with the agent.
    const stream = await fetch(`http://127.0.0.1:${httpPort}/v1/events`);
    const streamEnded = stream.body!.pipeTo(new WritableStream()).then(() => "ended", () => "ended");

    client = await RpcClient.connect(rpcAddr);
    await client.leave();
    const result = await running.done;
    assert.equal(await streamEnded, "ended");
    assert.equal(result.code, 0, result.stdout);
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: httpPort }),
      /refused/i,
      "the HTTP listener is closed with the agent",
    );
  } finally {
    client?.close();
    running.interrupt();
    await running.done;
  }
});
