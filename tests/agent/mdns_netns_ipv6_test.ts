/**
 * mDNS over IPv6 end to end: agents in two network namespaces discover each
 * other through ff02::fb, alone or beside a real `serf`, and an agent whose
 * link lacks one family warns and carries on with the other.
 */
import assert from "node:assert/strict";
import { linkDevice, namespaceSupport, runNamespaceScenario } from "./_mdns_netns.ts";
import { ensureBinary } from "../_binary.ts";

const support = await namespaceSupport();
if (!support.ok) console.log(`SKIPPED mDNS IPv6 namespace tests: ${support.reason}`);
const base = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...base,
  name: "serfts agents on an IPv6-only link find each other through ff02::fb, warning about IPv4",
  ignore: support.ignore(),
  fn: async () => {
    const logs = await runNamespaceScenario(
      [{ kind: "serfts", node: "a" }, { kind: "serfts", node: "b" }],
      { link: { ipv4: false }, bind: "ipv6" },
    );
    for (const log of logs) {
      assert.match(log, /\[WARN\] agent\.mdns: Cannot join the IPv4 mDNS group 224\.0\.0\.251: /);
      assert.doesNotMatch(log, /Cannot join the IPv6/);
    }
  },
});

Deno.test({
  ...base,
  name: "serfts agents with -mdns-disable-ipv4 query only over IPv6 and find each other",
  ignore: support.ignore(),
  fn: async () => {
    const args = ["-mdns-disable-ipv4"];
    const logs = await runNamespaceScenario(
      [{ kind: "serfts", node: "a", args }, { kind: "serfts", node: "b", args }],
      { bind: "ipv6" },
    );
    for (const log of logs) assert.doesNotMatch(log, /\[WARN\] agent\.mdns/);
  },
});

Deno.test({
  ...base,
  name: "serfts agents pinned to their link with -mdns-iface find each other over IPv6",
  ignore: support.ignore(),
  fn: async () => {
    const args = (i: number) => [`-mdns-iface=${linkDevice(i)}`, "-mdns-disable-ipv4"];
    const logs = await runNamespaceScenario(
      [{ kind: "serfts", node: "a", args: args(0) }, { kind: "serfts", node: "b", args: args(1) }],
      { link: { ipv4: false }, bind: "ipv6" },
    );
    logs.forEach((log, i) =>
      assert.match(log, new RegExp(`agent: Starting mDNS listener on interface ${linkDevice(i)}`))
    );
  },
});

Deno.test({
  ...base,
  name: "serfts agents on a link without IPv6 warn about ff02::fb and find each other over IPv4",
  ignore: support.ignore(),
  fn: async () => {
    const logs = await runNamespaceScenario(
      [{ kind: "serfts", node: "a" }, { kind: "serfts", node: "b" }],
      { link: { ipv6: false } },
    );
    for (const log of logs) {
      assert.match(log, /\[WARN\] agent\.mdns: Cannot join the IPv6 mDNS group ff02::fb: /);
    }
  },
});

Deno.test({
  ...base,
  name: "a serfts agent querying only over IPv6 discovers a real serf agent advertising an IPv6 address",
  ignore: support.ignore(true),
  fn: async () => {
    await runNamespaceScenario(
      [{ kind: "serf", node: "go" }, { kind: "serfts", node: "ts", args: ["-mdns-disable-ipv4"] }],
      { bind: "ipv6" },
    );
  },
});

Deno.test({
  ...base,
  name: "a real serf agent discovers a serfts agent advertising an IPv6 address",
  ignore: support.ignore(true),
  fn: async () => {
    await runNamespaceScenario([{ kind: "serfts", node: "ts" }, { kind: "serf", node: "go" }], {
      bind: "ipv6",
    });
  },
});

Deno.test({
  ...base,
  name: "the compiled dist/serfts and a Deno-run serfts find each other over IPv6 only, both ways",
  ignore: support.ignore(),
  fn: async () => {
    await ensureBinary();
    const args = ["-mdns-disable-ipv4"];
    const link = { link: { ipv4: false }, bind: "ipv6" } as const;
    await runNamespaceScenario(
      [{ kind: "serfts-binary", node: "bin", args }, { kind: "serfts", node: "deno", args }],
      link,
    );
    await runNamespaceScenario(
      [{ kind: "serfts", node: "deno", args }, { kind: "serfts-binary", node: "bin", args }],
      link,
    );
  },
});
