/**
 * mDNS over both address families: discovery over IPv6 alone, a missing
 * IPv6 group as a warning rather than a failure, Serf 0.10's query switches,
 * and where IPv6 replies go. Runs on an in-process fake multicast network.
 */
import assert from "node:assert/strict";
import { Logger } from "../../lib/util/log.ts";
import { MdnsDiscovery, type MdnsDiscoveryOptions, type MdnsFamily } from "../../lib/agent/mdns.ts";
import { serfMdnsService } from "../../lib/agent/mdns_zone.ts";
import {
  decodeDnsMessage,
  DNS_TYPE,
  emptyDnsMessage,
  encodeDnsMessage,
} from "../../lib/agent/mdns_packet.ts";
import type {
  DatagramSource,
  MulticastOpener,
  MulticastSocketOptions,
} from "../../lib/platform/multicast.ts";

const GROUPS = new Set(["224.0.0.251", "ff02::fb"]);

interface FakeSocket {
  host: Host;
  o: MulticastSocketOptions;
  port: number;
}
interface Host {
  v4: string;
  /** Link-local source of this host's IPv6 packets. */
  v6: string;
  /** Families whose group joins fail, as on a host without IPv6. */
  broken?: MdnsFamily[];
}
interface Sent {
  family: MdnsFamily;
  from: string;
  to: DatagramSource;
  data: Uint8Array;
}

/**
 * Every socket of a family sees group sends on its port; unicast reaches the
 * socket bound to that address and port. Sources carry no zone, as Deno's do.
 */
function fakeNetwork() {
  const sockets = new Set<FakeSocket>();
  const sent: Sent[] = [];
  let nextPort = 40000;
  const opener = (host: Host): MulticastOpener => (o) => {
    if (o.group && host.broken?.includes(o.family)) {
      return Promise.reject(new Error("setsockopt: no such device"));
    }
    const s = { host, o, port: o.port || nextPort++ };
    sockets.add(s);
    const self = o.family === "udp4" ? host.v4 : host.v6;
    return Promise.resolve({
      port: s.port,
      send(data: Uint8Array, to: DatagramSource) {
        sent.push({ family: o.family, from: self, to, data });
        for (const t of sockets) {
          if (t.o.family !== o.family || t.port !== to.port) continue;
          const own = t.o.family === "udp4" ? t.host.v4 : t.host.v6;
          const hit = GROUPS.has(to.address) ? t.o.group === to.address : own === to.address;
          if (hit) queueMicrotask(() => t.o.onMessage(data.slice(), { address: self, port: s.port }));
        }
        return Promise.resolve();
      },
      close() {
        sockets.delete(s);
        return Promise.resolve();
      },
    });
  };
  return { opener, sockets, sent };
}

function recordingLogger(lines: string[]): Logger {
  return new Logger({ sink: (l) => lines.push(l), level: "DEBUG" }).child("agent.mdns");
}

const fast = { pollIntervalMs: 60, queryTimeoutMs: 30, quietIntervalMs: 5 };

async function waitUntil(what: string, check: () => boolean, ms = 3_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Starts one node per host advertising `addr(i)`; returns the nodes and what each joined. */
async function startNodes(
  hosts: Host[],
  addr: (i: number) => string,
  open: (h: Host) => MulticastOpener,
  extra: Partial<MdnsDiscoveryOptions> = {},
  logs: string[][] = [],
) {
  const joins: string[][] = hosts.map(() => []);
  const nodes = await Promise.all(hosts.map((h, i) => {
    logs[i] = [];
    return MdnsDiscovery.start({
      service: serfMdnsService({
        cluster: "t",
        nodeName: `n${i}`,
        hostName: `h${i}`,
        port: 7946,
        addresses: [addr(i)],
      }),
      self: addr(i).includes(":") ? `[${addr(i)}]:7946` : `${addr(i)}:7946`,
      join: (addrs) => {
        joins[i]!.push(...addrs);
        return Promise.resolve(addrs.length);
      },
      open: open(h),
      logger: recordingLogger(logs[i]!),
      ...fast,
      ...extra,
    });
  }));
  return { nodes, joins };
}

const hosts = (n: number, broken?: MdnsFamily[]): Host[] =>
  Array.from({ length: n }, (_, i) => ({ v4: `10.0.0.${i + 1}`, v6: `fe80::${i + 1}`, broken }));

Deno.test("MdnsDiscovery finds IPv6-advertised nodes with IPv4 queries disabled", async () => {
  const net = fakeNetwork();
  const { nodes, joins } = await startNodes(hosts(3), (i) => `fd00::${i + 1}`, net.opener, {
    disableIpv4: true,
  });
  try {
    assert.deepEqual(nodes[0]!.families, ["udp4", "udp6"], "the responder still joins both groups");
    await waitUntil("every node to join the other two", () => joins.every((j) => j.length === 2));
    assert.deepEqual(joins[0]!.sort(), ["[fd00::2]:7946", "[fd00::3]:7946"]);
    const questions = net.sent.filter((s) => !decodeDnsMessage(s.data).response);
    assert.ok(questions.length > 0);
    assert.ok(questions.every((s) => s.family === "udp6" && s.to.address === "ff02::fb"), "no IPv4 query");
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
  assert.equal(net.sockets.size, 0);
});

Deno.test("MdnsDiscovery queries both groups by default", async () => {
  const net = fakeNetwork();
  const { nodes, joins } = await startNodes(hosts(2), (i) => `10.0.0.${i + 1}`, net.opener);
  try {
    await waitUntil("both nodes to join each other", () => joins.every((j) => j.length === 1));
    const targets = new Set(
      net.sent.filter((s) => !decodeDnsMessage(s.data).response).map((s) => s.to.address),
    );
    assert.deepEqual([...targets].sort(), ["224.0.0.251", "ff02::fb"]);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

Deno.test("MdnsDiscovery warns and keeps discovering over IPv4 when the IPv6 group cannot be joined", async () => {
  const net = fakeNetwork();
  const logs: string[][] = [];
  const { nodes, joins } = await startNodes(
    hosts(2, ["udp6"]),
    (i) => `10.0.0.${i + 1}`,
    net.opener,
    {},
    logs,
  );
  try {
    assert.deepEqual(nodes[0]!.families, ["udp4"]);
    assert.ok(
      logs[0]!.some((l) =>
        l.includes("[WARN] agent.mdns: Cannot join the IPv6 mDNS group ff02::fb: setsockopt: no such device")
      ),
      logs[0]!.join("\n"),
    );
    await waitUntil("both nodes to join each other over IPv4", () => joins.every((j) => j.length === 1));
    assert.deepEqual(joins[0], ["10.0.0.2:7946"]);
    // As in hashicorp/mdns, a family without its multicast listener is left out of the queries.
    assert.ok(
      logs[0]!.some((l) =>
        l.includes("[DEBUG] agent.mdns: Failed to listen to both unicast and multicast on IPv6")
      ),
    );
    assert.ok(!net.sent.some((s) => s.to.address === "ff02::fb"));
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
  assert.equal(net.sockets.size, 0);
});

Deno.test("MdnsDiscovery logs a missing IPv6 group only at DEBUG when IPv6 queries are disabled", async () => {
  const net = fakeNetwork();
  const logs: string[][] = [];
  const { nodes } = await startNodes(
    hosts(1, ["udp6"]),
    () => "10.0.0.1",
    net.opener,
    { disableIpv6: true },
    logs,
  );
  await Promise.all(nodes.map((n) => n.close()));
  assert.ok(logs[0]!.some((l) => l.includes("[DEBUG] agent.mdns: Cannot join the IPv6 mDNS group")));
  assert.ok(!logs[0]!.some((l) => l.includes("[WARN]")), logs[0]!.join("\n"));
});

Deno.test("MdnsDiscovery fails to start, in Serf's words, when neither group can be joined", async () => {
  const net = fakeNetwork();
  await assert.rejects(startNodes(hosts(1, ["udp4", "udp6"]), () => "10.0.0.1", net.opener), {
    message: "No multicast listeners could be started",
  });
  assert.equal(net.sockets.size, 0);
});

Deno.test("MdnsDiscovery with both families disabled still answers, and each poll says why it cannot query", async () => {
  const net = fakeNetwork();
  const logs: string[][] = [];
  const { nodes } = await startNodes(
    hosts(1),
    () => "10.0.0.1",
    net.opener,
    { disableIpv4: true, disableIpv6: true },
    logs,
  );
  try {
    await waitUntil("a failed poll", () => logs[0]!.some((l) => l.includes("Failed to poll")));
    assert.ok(
      logs[0]!.some((l) =>
        l.includes(
          "[ERR] agent.mdns: Failed to poll for new hosts: Must enable at least one of IPv4 and IPv6 querying",
        )
      ),
    );
    // The responder answers a query from another host.
    const asker = await net.opener({ v4: "10.0.0.9", v6: "fe80::9" })({
      family: "udp4",
      port: 0,
      onMessage: () => {},
    });
    const query = {
      ...emptyDnsMessage(),
      questions: [{ name: "_serf_t._tcp.local.", type: DNS_TYPE.PTR, class: 1 }],
    };
    await asker.send(encodeDnsMessage(query), { address: "224.0.0.251", port: 5353 });
    await waitUntil("an answer", () => net.sent.some((s) => s.to.address === "10.0.0.9"));
    await asker.close();
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

Deno.test("MdnsDiscovery answers a zone-less link-local IPv6 asker on the group, or on its interface when pinned", async () => {
  const query = encodeDnsMessage({
    ...emptyDnsMessage(),
    questions: [{ name: "_serf_t._tcp.local.", type: DNS_TYPE.PTR, class: 1 }],
  });
  for (const pinned of [false, true]) {
    const net = fakeNetwork();
    const { nodes } = await startNodes(hosts(1), () => "fd00::1", net.opener, {
      disableIpv4: true,
      disableIpv6: true, // no queries of its own, so every send is an answer
      interface: pinned ? { name: "eth1", ipv4: "10.0.0.1" } : undefined,
    });
    const asker = await net.opener({ v4: "10.0.0.9", v6: "fe80::9" })({
      family: "udp6",
      port: 0,
      onMessage: () => {},
    });
    try {
      await asker.send(query, { address: "ff02::fb", port: 5353 });
      await waitUntil("an answer", () => net.sent.some((s) => decodeDnsMessage(s.data).response));
      const answer = net.sent.find((s) => decodeDnsMessage(s.data).response)!;
      assert.equal(answer.family, "udp6");
      assert.deepEqual(
        answer.to,
        pinned ? { address: "fe80::9%eth1", port: asker.port } : { address: "ff02::fb", port: 5353 },
      );
    } finally {
      await asker.close();
      await Promise.all(nodes.map((n) => n.close()));
    }
  }
});
