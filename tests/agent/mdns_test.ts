/**
 * mDNS discovery: DNS packet codec (round trips, compression, fuzzing),
 * Serf's record set, discovery on an in-process fake multicast network, and
 * end-to-end runs inside network namespaces, against the real `serf` too.
 */
import nodeAssert from "node:assert/strict";
import { DecodeError } from "../../lib/util/errors.ts";
import { silentLogger } from "../../lib/util/log.ts";
import {
  decodeDnsMessage,
  DNS_CLASS_IN,
  DNS_CLASS_TOP_BIT,
  DNS_TYPE,
  type DnsMessage,
  emptyDnsMessage,
  encodeDnsMessage,
} from "../../lib/agent/mdns_packet.ts";
import {
  answerQuery,
  serfMdnsService,
  ServiceEntryCollector,
  serviceRecords,
} from "../../lib/agent/mdns_zone.ts";
import { MdnsDiscovery } from "../../lib/agent/mdns.ts";
import { namespaceSupport, runNamespaceScenario } from "./_mdns_netns.ts";
import type {
  DatagramSource,
  MulticastOpener,
  MulticastSocketOptions,
} from "../../lib/platform/multicast.ts";

function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}
function assertEquals(actual: unknown, expected: unknown) {
  nodeAssert.deepStrictEqual(actual, expected);
}
function assertInstanceOf(value: unknown, cls: new (...args: never[]) => unknown) {
  assert(value instanceof cls, `Expected ${cls.name}, got ${String(value)}`);
}

const svc = serfMdnsService({
  cluster: "test",
  nodeName: "node-a",
  hostName: "box",
  port: 7946,
  addresses: ["10.77.0.1"],
});

function sampleResponse(): DnsMessage {
  const query = {
    ...emptyDnsMessage(),
    questions: [{ name: svc.serviceName, type: DNS_TYPE.PTR, class: 1 }],
  };
  const [resp] = answerQuery(svc, query);
  assert(resp);
  resp.additionals.push(
    { name: "box.", class: DNS_CLASS_IN, ttl: 120, type: "AAAA", address: "fd00::1" },
    { name: "x.local.", class: 1, ttl: 5, type: "other", code: 99, data: new Uint8Array([1, 2, 3]) },
  );
  return resp;
}

Deno.test("encodeDnsMessage and decodeDnsMessage round-trip queries and every record kind", () => {
  const query: DnsMessage = {
    ...emptyDnsMessage(),
    id: 4242,
    recursionDesired: true,
    questions: [{
      name: "_serf_test._tcp.local.",
      type: DNS_TYPE.PTR,
      class: DNS_CLASS_IN | DNS_CLASS_TOP_BIT,
    }],
  };
  assertEquals(decodeDnsMessage(encodeDnsMessage(query)), query);
  const resp = sampleResponse();
  assertEquals(decodeDnsMessage(encodeDnsMessage(resp)), resp);
});

Deno.test("decodeDnsMessage follows compression pointers and escapes odd labels", () => {
  // Header: no questions, one answer whose owner "a.b." sits at offset 12.
  // deno-fmt-ignore
  const bytes = new Uint8Array([
    0, 1, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0,
    1, 0x61, 1, 0x62, 0, // a.b.
    0, 12, 0, 1, 0, 0, 0, 120, 0, 5, // PTR, class IN, TTL 120, 5 bytes of data
    2, 0x2e, 0x63, 0xc0, 12, // the label ".c", then a pointer to "a.b."
  ]);
  const msg = decodeDnsMessage(bytes);
  assertEquals(msg.answers[0], { name: "a.b.", class: 1, ttl: 120, type: "PTR", target: "\\.c.a.b." });
  // The escaped form encodes back to the same raw label.
  assertEquals(decodeDnsMessage(encodeDnsMessage(msg)).answers[0], msg.answers[0]);
});

Deno.test("decodeDnsMessage rejects pointer loops, truncation and bad lengths with DecodeError", () => {
  const loop = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  const badA = encodeDnsMessage({
    ...emptyDnsMessage(),
    answers: [{ name: "h.", class: 1, ttl: 1, type: "other", code: DNS_TYPE.A, data: new Uint8Array(5) }],
  });
  const full = encodeDnsMessage(sampleResponse());
  const cases = [
    loop,
    badA,
    new Uint8Array(3),
    ...Array.from({ length: full.length - 1 }, (_, i) => full.slice(0, i)),
  ];
  for (const c of cases) {
    let thrown: unknown;
    try {
      decodeDnsMessage(c);
    } catch (err) {
      thrown = err;
    }
    assertInstanceOf(thrown, DecodeError);
  }
});

Deno.test("decodeDnsMessage throws only DecodeError on random and mutated packets", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const base = encodeDnsMessage(sampleResponse());
  for (let i = 0; i < 20_000; i++) {
    let buf: Uint8Array;
    if (i % 2 === 0) {
      buf = base.slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        buf[Math.floor(rand() * buf.length)] = rand() * 256;
      }
    } else {
      buf = Uint8Array.from({ length: Math.floor(rand() * 80) }, () => rand() * 256);
    }
    try {
      decodeDnsMessage(buf);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw new Error(`Non-DecodeError on case ${i}`, { cause: err });
    }
  }
});

Deno.test("serviceRecords gives hashicorp/mdns's record set for a service PTR question", () => {
  const recs = serviceRecords(svc, { name: "_serf_test._tcp.local.", type: DNS_TYPE.PTR, class: 1 });
  assertEquals(recs.map((r) => [r.type, r.name, r.ttl]), [
    ["PTR", "_serf_test._tcp.local.", 120],
    ["SRV", "node-a._serf_test._tcp.local.", 120],
    ["A", "box.", 120],
    ["TXT", "node-a._serf_test._tcp.local.", 120],
  ]);
  assertEquals(recs[1], {
    name: "node-a._serf_test._tcp.local.",
    class: 1,
    ttl: 120,
    type: "SRV",
    priority: 10,
    weight: 1,
    port: 7946,
    target: "box.",
  });
  assertEquals(recs[3]?.type === "TXT" && recs[3].texts, ["Serf 'test' cluster"]);
  assertEquals(serviceRecords(svc, { name: "_serf_other._tcp.local.", type: DNS_TYPE.PTR, class: 1 }), []);
  const unicast = answerQuery(svc, {
    ...emptyDnsMessage(),
    id: 7,
    questions: [{ name: svc.serviceName, type: DNS_TYPE.PTR, class: 1 | DNS_CLASS_TOP_BIT }],
  });
  assertEquals(unicast.map((m) => m.id), [7]);
});

Deno.test("ServiceEntryCollector completes an entry once from one response", () => {
  const c = new ServiceEntryCollector();
  const msg = decodeDnsMessage(encodeDnsMessage(sampleResponse()));
  const first = c.add(msg);
  assertEquals(first.complete.map((e) => [e.addrV4, e.port]), [["10.77.0.1", 7946]]);
  assertEquals(c.add(msg).complete, []);
});

/** An in-process multicast network: every socket sees group sends on its port, unicast reaches one socket. */
function fakeNetwork() {
  const sockets = new Set<{ ip: string; o: MulticastSocketOptions; port: number }>();
  let nextPort = 40000;
  const opener = (ip: string): MulticastOpener => (o) => {
    const s = { ip, o, port: o.port || nextPort++ };
    sockets.add(s);
    return Promise.resolve({
      port: s.port,
      send(data: Uint8Array, to: DatagramSource) {
        for (const t of sockets) {
          const hit = to.address === "224.0.0.251"
            ? t.o.group === to.address && t.port === to.port
            : t.ip === to.address && t.port === to.port;
          if (hit) queueMicrotask(() => t.o.onMessage(data.slice(), { address: ip, port: s.port }));
        }
        return Promise.resolve();
      },
      close() {
        sockets.delete(s);
        return Promise.resolve();
      },
    });
  };
  return { opener, sockets };
}

Deno.test("MdnsDiscovery joins every other advertised node once and never itself", async () => {
  const net = fakeNetwork();
  const joins: Record<string, string[][]> = { a: [], b: [], c: [] };
  const nodes = await Promise.all(["a", "b", "c"].map((name, i) => {
    const ip = `10.0.0.${i + 1}`;
    return MdnsDiscovery.start({
      service: serfMdnsService({ cluster: "t", nodeName: name, hostName: name, port: 7946, addresses: [ip] }),
      self: `${ip}:7946`,
      join: (addrs) => {
        joins[name]!.push(addrs);
        return Promise.resolve(addrs.length);
      },
      open: net.opener(ip),
      logger: silentLogger(),
      pollIntervalMs: 60,
      queryTimeoutMs: 30,
      quietIntervalMs: 5,
    });
  }));
  try {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && Object.values(joins).some((j) => j.flat().length < 2)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200)); // several more polls: nothing new may be joined
    assertEquals(joins.a!.flat().sort(), ["10.0.0.2:7946", "10.0.0.3:7946"]);
    assertEquals(joins.b!.flat().sort(), ["10.0.0.1:7946", "10.0.0.3:7946"]);
    assertEquals(joins.c!.flat().sort(), ["10.0.0.1:7946", "10.0.0.2:7946"]);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
  assertEquals(net.sockets.size, 0);
});

// ------------------------------------------------------------ end to end in network namespaces

const support = await namespaceSupport();
if (!support.ok) console.log(`SKIPPED mDNS namespace tests: ${support.reason}`);

Deno.test({
  name: "serfts agents with -discover find each other inside network namespaces",
  ignore: support.ignore(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await runNamespaceScenario([{ kind: "serfts", node: "a" }, { kind: "serfts", node: "b" }]);
  },
});

Deno.test({
  name: "a serfts agent discovers a real serf agent that started first",
  ignore: support.ignore(true),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await runNamespaceScenario([{ kind: "serf", node: "go" }, { kind: "serfts", node: "ts" }]);
  },
});

Deno.test({
  name: "a real serf agent discovers a serfts agent that started first",
  ignore: support.ignore(true),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await runNamespaceScenario([{ kind: "serfts", node: "ts" }, { kind: "serf", node: "go" }]);
  },
});
