/**
 * Serf 0.10's mDNS settings: the `mdns` config-file block, the `-mdns-*`
 * flags, their merge rule and the start-up checks with Serf's wording.
 */
import assert from "node:assert/strict";
import { defaultAgentConfig, emptyAgentConfig, mergeAgentConfig } from "../../lib/agent/config.ts";
import { decodeAgentConfig } from "../../lib/agent/config_file.ts";
import { checkMdnsConfig, resolveAgentConfig } from "../../lib/agent/config_resolve.ts";
import { configFromFlags } from "../../lib/cli/agent_command.ts";
import { AGENT_FLAGS } from "../../lib/cli/agent_flags.ts";
import { parseFlags } from "../../lib/cli/flags.ts";
import { denoPlatform } from "../../lib/platform/deno.ts";

Deno.test("decodeAgentConfig reads Serf 0.10's mdns block", () => {
  const c = decodeAgentConfig(
    '{"discover": "c", "mdns": {"interface": "eth1", "disable_ipv4": true, "disable_ipv6": false}}',
  );
  assert.equal(c.discover, "c");
  assert.equal(c.mdnsInterface, "eth1");
  assert.equal(c.mdnsDisableIpv4, true);
  assert.equal(c.mdnsDisableIpv6, false);
  // Keys match case-insensitively and null leaves a field unset, at both levels.
  const d = decodeAgentConfig('{"MDNS": {"Disable_IPv6": true, "interface": null}}');
  assert.equal(d.mdnsDisableIpv6, true);
  assert.equal(d.mdnsInterface, "");
  assert.deepEqual(decodeAgentConfig('{"mdns": null}'), emptyAgentConfig());
});

Deno.test("decodeAgentConfig rejects a bad mdns block with mapstructure's error text", () => {
  const decodeError = (text: string) => {
    try {
      decodeAgentConfig(text);
    } catch (err) {
      return (err as Error).message;
    }
    assert.fail(`no error for ${text}`);
  };
  assert.equal(
    decodeError('{"mdns": "eth0"}'),
    "1 error(s) decoding:\n\n* 'mdns' expected a map, got 'string'",
  );
  assert.equal(
    decodeError('{"mdns": {"interface": 1, "disable_ipv4": "yes", "iface": "x"}}'),
    "3 error(s) decoding:\n\n" +
      "* 'mdns' has invalid keys: iface\n" +
      "* 'mdns.disable_ipv4' expected type 'bool', got unconvertible type 'string', value: 'yes'\n" +
      "* 'mdns.interface' expected type 'string', got unconvertible type 'float64', value: '1'",
  );
});

Deno.test("mergeAgentConfig lets a later mdns interface win and keeps the disable switches on", () => {
  const file = { ...emptyAgentConfig(), mdnsInterface: "eth1", mdnsDisableIpv6: true };
  const flags = { ...emptyAgentConfig(), mdnsInterface: "eth2" };
  const merged = mergeAgentConfig(mergeAgentConfig(defaultAgentConfig(), file), flags);
  assert.equal(merged.mdnsInterface, "eth2");
  assert.equal(merged.mdnsDisableIpv6, true);
  assert.equal(merged.mdnsDisableIpv4, false);
  const kept = mergeAgentConfig(merged, emptyAgentConfig());
  assert.equal(kept.mdnsInterface, "eth2");
});

Deno.test("configFromFlags reads -mdns-iface, -mdns-disable-ipv4 and -mdns-disable-ipv6", () => {
  const { config } = configFromFlags(
    parseFlags(["-discover=c", "-mdns-iface=eth1", "-mdns-disable-ipv4", "-mdns-disable-ipv6"], AGENT_FLAGS),
  );
  assert.equal(config.mdnsInterface, "eth1");
  assert.equal(config.mdnsDisableIpv4, true);
  assert.equal(config.mdnsDisableIpv6, true);
  const none = configFromFlags(parseFlags([], AGENT_FLAGS)).config;
  assert.deepEqual([none.mdnsInterface, none.mdnsDisableIpv4, none.mdnsDisableIpv6], ["", false, false]);
});

Deno.test("checkMdnsConfig applies Serf 0.10's checks in its order, only with an mDNS interface", () => {
  const ifaces = new Set(["lo", "eth1"]);
  const base = { discover: "c", mdnsInterface: "", mdnsDisableIpv4: false, mdnsDisableIpv6: false };
  const check = (c: Partial<typeof base>) => () => checkMdnsConfig({ ...base, ...c }, ifaces);
  assert.throws(check({ discover: "", mdnsInterface: "nope" }), {
    message: "mDNS interface specified without enabling mDNS discovery",
  });
  assert.throws(check({ mdnsInterface: "nope", mdnsDisableIpv4: true, mdnsDisableIpv6: true }), {
    message: "Invalid mDNS network interface: route ip+net: no such network interface",
  });
  assert.throws(check({ mdnsInterface: "eth1", mdnsDisableIpv4: true, mdnsDisableIpv6: true }), {
    message: "Invalid mDNS configuration: both IPv4 and IPv6 are disabled",
  });
  check({ mdnsInterface: "eth1", mdnsDisableIpv6: true })();
  // Without -mdns-iface Serf checks nothing: the agent starts and each poll says why it cannot query.
  check({ mdnsDisableIpv4: true, mdnsDisableIpv6: true })();
  check({ discover: "" })();
});

Deno.test("resolveAgentConfig rejects an unknown -mdns-iface as serf agent does", async () => {
  const platform = { ...denoPlatform(), hostname: () => "host-1" };
  const flags = { ...emptyAgentConfig(), protocol: -1, discover: "c", mdnsInterface: "no-such-if0" };
  await assert.rejects(resolveAgentConfig(flags, [], platform), {
    message: "Invalid mDNS network interface: route ip+net: no such network interface",
  });
  const lo = { ...flags, mdnsInterface: "lo", mdnsDisableIpv6: true };
  const { config } = await resolveAgentConfig(lo, [], platform);
  assert.equal(config.mdnsInterface, "lo");
});
