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

const DENO = Deno.execPath();
const CLI = new URL("../../cli.ts", import.meta.url).pathname;
const SERF = "/usr/bin/serf";
const TAG = `smd${Deno.pid % 10000}`;

async function run(argv: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  const cmd = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  });
  const r = await cmd.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

async function sh(argv: string[]) {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`Command failed: ${argv.join(" ")}: ${r.out.trim()}`);
}

/** Whether we may build namespaces here (root, and `ip netns add` works), and whether `serf` is installed. */
async function namespaceSupport(): Promise<{ ok: boolean; reason: string; serf: boolean }> {
  const serf = await Deno.stat(SERF).then(() => true, () => false);
  if (Deno.uid() !== 0) return { ok: false, reason: "not running as root", serf };
  const probe = `${TAG}p`;
  try {
    const r = await run(["ip", "netns", "add", probe]);
    if (r.code !== 0) return { ok: false, reason: `ip netns add failed: ${r.out.trim()}`, serf };
    await run(["ip", "netns", "del", probe]);
    return { ok: true, reason: "", serf };
  } catch (err) {
    return { ok: false, reason: `cannot run ip: ${String(err)}`, serf };
  }
}

/**
 * Two namespaces joined by a veth pair, 10.77.0.1 and 10.77.0.2, with
 * multicast on and IPv6 DAD off (real serf also queries ff02::fb and gives up
 * its whole poll when that send fails on a still-tentative link-local address).
 */
async function makeNamespaces(): Promise<string[]> {
  const names = [`${TAG}a`, `${TAG}b`];
  for (const ns of names) {
    await sh(["ip", "netns", "add", ns]);
    await sh([
      "ip",
      "netns",
      "exec",
      ns,
      "sh",
      "-c",
      "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad",
    ]);
  }
  await sh([
    "ip",
    "link",
    "add",
    `${TAG}va`,
    "netns",
    names[0]!,
    "type",
    "veth",
    "peer",
    "name",
    `${TAG}vb`,
    "netns",
    names[1]!,
  ]);
  for (const [i, ns] of names.entries()) {
    const dev = `${TAG}v${"ab"[i]}`;
    await sh(["ip", "-n", ns, "addr", "add", `10.77.0.${i + 1}/24`, "dev", dev]);
    await sh(["ip", "-n", ns, "link", "set", "dev", dev, "multicast", "on", "up"]);
    await sh(["ip", "-n", ns, "link", "set", "dev", "lo", "up"]);
    await sh(["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
  }
  return names;
}

interface AgentProc {
  child: Deno.ChildProcess;
  log: () => string;
  done: Promise<unknown>;
}

function startAgent(ns: string, kind: "serf" | "serfts", node: string, ip: string): AgentProc {
  const args = ["agent", `-node=${node}`, `-bind=${ip}`, "-discover=test", "-rpc-addr=127.0.0.1:7373"];
  const argv = kind === "serf" ? [SERF, ...args] : [DENO, "run", "-A", CLI, ...args];
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...argv],
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  let text = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk);
  };
  const done = Promise.all([drain(child.stdout), drain(child.stderr), child.status]);
  return { child, log: () => text, done };
}

async function stopAgent(a: AgentProc) {
  try {
    a.child.kill("SIGTERM");
  } catch { /* already gone */ }
  const t = setTimeout(() => {
    try {
      a.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, 5_000);
  await a.done.catch(() => {});
  clearTimeout(t);
}

async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
}

async function aliveMembers(ns: string): Promise<string[]> {
  const r = await run([
    "ip",
    "netns",
    "exec",
    ns,
    DENO,
    "run",
    "-A",
    CLI,
    "members",
    "-rpc-addr=127.0.0.1:7373",
  ]);
  return r.out.split("\n").filter((l) => /\balive\b/.test(l)).map((l) => l.trim().split(/\s+/)[0]!).sort();
}

/**
 * Starts the first agent, then (once it runs) the second. The second agent's
 * log must show its mDNS round joining the first agent's address: that proves
 * its query found the first agent's responder, whatever the first agent's own
 * round found meanwhile, so no sleep is needed to order the two rounds.
 */
async function runNamespaceScenario(agents: { kind: "serf" | "serfts"; node: string }[]) {
  const names = await makeNamespaces().catch(async (err) => {
    for (const ns of [`${TAG}a`, `${TAG}b`]) await run(["ip", "netns", "del", ns]).catch(() => {});
    throw err;
  });
  const procs: AgentProc[] = [];
  try {
    const [first, second] = agents as [typeof agents[0], typeof agents[0]];
    procs.push(startAgent(names[0]!, first.kind, first.node, "10.77.0.1"));
    await waitFor(
      "the first agent to run",
      20_000,
      () => procs[0]!.log().includes("Log data will now stream"),
    );
    procs.push(startAgent(names[1]!, second.kind, second.node, "10.77.0.2"));
    const want = [first.node, second.node].sort();
    await waitFor("both agents to list both members", 30_000, async () => {
      const [a, b] = await Promise.all([aliveMembers(names[0]!), aliveMembers(names[1]!)]);
      return JSON.stringify(a) === JSON.stringify(want) && JSON.stringify(b) === JSON.stringify(want);
    });
    assert(
      /agent\.mdns: Joined \d+ hosts/.test(procs[1]!.log()),
      `second agent did not join:\n${procs[1]!.log()}`,
    );
    // Real serf also joins its own address: the proof is the first agent's address in the second's join.
    assert(
      /joining: \[[^\]]*10\.77\.0\.1:7946/.test(procs[1]!.log()),
      `second agent's mDNS round did not join the first agent:\n${procs[1]!.log()}`,
    );
  } catch (err) {
    for (const p of procs) console.log(`--- agent log ---\n${p.log()}`);
    throw err;
  } finally {
    await Promise.all(procs.map(stopAgent));
    for (const ns of names) await run(["ip", "netns", "del", ns]).catch(() => {});
  }
}

const support = await namespaceSupport();
if (!support.ok) console.log(`SKIPPED mDNS namespace tests: ${support.reason}`);

Deno.test({
  name: "serfts agents with -discover find each other inside network namespaces",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => runNamespaceScenario([{ kind: "serfts", node: "a" }, { kind: "serfts", node: "b" }]),
});

Deno.test({
  name: "a serfts agent discovers a real serf agent that started first",
  ignore: !support.ok || !support.serf,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => runNamespaceScenario([{ kind: "serf", node: "go" }, { kind: "serfts", node: "ts" }]),
});

Deno.test({
  name: "a real serf agent discovers a serfts agent that started first",
  ignore: !support.ok || !support.serf,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => runNamespaceScenario([{ kind: "serfts", node: "ts" }, { kind: "serf", node: "go" }]),
});
