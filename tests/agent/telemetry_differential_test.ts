/**
 * Differential telemetry tests against the real `serf agent` (0.9.4): the same
 * scenario runs on a pair of real agents and on a pair of serfts agents, each
 * agent reporting to its own statsd collector, and every metric Serf sends
 * must also come from serfts with the same statsd type. Gauges carry the host
 * name, which both implementations read from the OS, so names compare as they are.
 *
 * Ignored without serf locally; with SERFTS_REQUIRE_REFERENCE=1 (CI) a missing
 * serf fails the test.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";
import { findSerf } from "../interop/_serf.ts";
import {
  type AgentUnderTest,
  type Collector,
  pollUntil,
  serfCli,
  startAgentUnderTest,
  statsdCollector,
  statsiteCollector,
} from "./_telemetry.ts";

const serf = findSerf();
const ignore = !serf && !REQUIRE_REFERENCE;
if (ignore) console.warn("SKIPPED telemetry differential tests: serf is not installed");

/** Serf checks its broadcast queue depths every 30 s; the scenario lasts past that so `serf.queue.*` appear. */
const QUEUE_SAMPLE_AFTER_MS = 31_000;

/** Name to statsd type, over every line of every collector. */
function metricTypes(collectors: Collector[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of collectors) for (const m of c.metrics()) out.set(m.name, m.type);
  return out;
}

async function mustReach(
  what: string,
  pred: () => boolean | Promise<boolean>,
  maxMs: number,
  agents: AgentUnderTest[],
) {
  if (!await pollUntil(pred, maxMs)) {
    throw new Error(
      `Timed out after ${maxMs} ms waiting for ${what}\n${agents.map((a) => a.output()).join("\n---\n")}`,
    );
  }
}

/**
 * Two agents of `impl`, a join, a user event, a query answered by a handler,
 * then the second agent killed; returns what their collectors received.
 */
async function runScenario(impl: string | "serfts", dir: string): Promise<Map<string, string>> {
  const c1 = await statsdCollector();
  const c2 = await statsdCollector();
  const agents: AgentUnderTest[] = [];
  try {
    const configs = [c1, c2].map((c, i) => {
      const path = join(dir, `agent${i}.json`);
      Deno.writeTextFileSync(
        path,
        JSON.stringify({ statsd_addr: c.addr, snapshot_path: join(dir, `snap${i}`) }),
      );
      return path;
    });
    const flags = (i: number) => [`-config-file=${configs[i]}`, "-event-handler=echo ok", "-log-level=debug"];
    const a1 = startAgentUnderTest(impl, "one", flags(0));
    agents.push(a1);
    const a2 = startAgentUnderTest(impl, "two", flags(1));
    agents.push(a2);
    const startedAt = Date.now();
    const cli = (a: AgentUnderTest, args: string[]) => serfCli(serf!, a.rpc, args);
    for (const a of agents) {
      await mustReach(
        "the RPC",
        async () => (await cli(a, ["members"])).code === 0,
        30_000,
        agents,
      );
    }
    // Serf's statsd sink may lose its first seconds; start once both collectors hear from their agent.
    await mustReach(
      "metrics from both agents",
      () => c1.has("runtime.alloc_bytes") && c2.has("runtime.alloc_bytes"),
      30_000,
      agents,
    );

    assert.equal((await cli(a2, ["join", a1.bind])).code, 0);
    await mustReach(
      "serf.member.join",
      () => c1.has("serf.member.join") && c2.has("serf.member.join"),
      20_000,
      agents,
    );
    assert.equal((await cli(a1, ["event", "deploy", "v1"])).code, 0);
    await mustReach("serf.events.deploy", () => c2.has("serf.events.deploy"), 20_000, agents);
    const query = await cli(a1, ["query", "-timeout=5s", "ping", "x"]);
    assert.equal(query.code, 0, query.out);
    await mustReach("serf.query_responses", () => c1.has("serf.query_responses"), 20_000, agents);
    // A probe each way before the kill: the first one after a join lands anywhere in the probe interval (as with
    // Go's ticker), and serfts's query ends when every member answered, well before serf's timeout.
    await mustReach(
      "serf.coordinate.adjustment-ms",
      () => c1.has("serf.coordinate.adjustment-ms") && c2.has("serf.coordinate.adjustment-ms"),
      20_000,
      agents,
    );

    await a2.stop("SIGKILL");
    await mustReach("serf.member.failed", () => c1.has("serf.member.failed"), 60_000, agents);
    await mustReach(
      "serf.queue.Intent",
      () => Date.now() - startedAt > QUEUE_SAMPLE_AFTER_MS && c1.has("serf.queue.Intent"),
      QUEUE_SAMPLE_AFTER_MS + 30_000,
      agents,
    );
    if (impl === "serfts") {
      // Collections are inferred from a shrinking heap between polls (no GC events in JS): allow time for one.
      await pollUntil(() => c1.has("runtime.gc_pause_ns") || c2.has("runtime.gc_pause_ns"), 30_000);
    }
    await new Promise((r) => setTimeout(r, 1_500)); // the last flushes (every 100 ms) and runtime gauges (every 1 s)
    await a1.stop("SIGTERM");
    return metricTypes([c1, c2]);
  } finally {
    for (const a of agents) await a.stop("SIGKILL");
    await c1.close();
    await c2.close();
  }
}

Deno.test({
  name: "Telemetry: every metric serf agent sends to statsd, serfts sends with the same name and type",
  ignore,
  sanitizeOps: false, // child-process pumps end after the test body
  sanitizeResources: false,
  async fn() {
    if (!serf) throw new Error("serf is required (SERFTS_REQUIRE_REFERENCE=1) but not installed");
    const realDir = await Deno.makeTempDir();
    const tsDir = await Deno.makeTempDir();
    try {
      const [real, ours] = await Promise.all([runScenario(serf, realDir), runScenario("serfts", tsDir)]);
      console.log(`serf sent ${real.size} metric names: ${[...real.keys()].sort().join(" ")}`);
      console.log(
        `serfts sent ${ours.size}; not sent by serf in this run: ${
          [...ours.keys()].filter((n) => !real.has(n)).sort().join(" ")
        }`,
      );
      const host = Deno.hostname();
      assert.ok(real.has(`serf-agent.${host}.runtime.alloc_bytes`), "serf puts the host name in gauge keys");
      const missing = [...real].filter(([name, type]) => ours.get(name) !== type)
        .map(([name, type]) => `${name}|${type} (serfts: ${ours.get(name) ?? "absent"})`);
      assert.deepEqual(missing, [], `serf sent metrics serfts did not:\n${missing.join("\n")}`);
      // The scenario really exercised the engine, not just the runtime poll.
      for (
        const name of [
          "serf.member.failed",
          "memberlist.msg.dead",
          "agent.invoke.echo_ok",
          "serf.snapshot.appendLine",
        ]
      ) {
        assert.ok(ours.has(`serf-agent.${name}`), `serfts sent ${name}`);
      }
    } finally {
      await Deno.remove(realDir, { recursive: true });
      await Deno.remove(tsDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "Telemetry: statsite over TCP gets serf's lines from serfts, and a dropped connection is re-established",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!serf) throw new Error("serf is required (SERFTS_REQUIRE_REFERENCE=1) but not installed");
    const dir = await Deno.makeTempDir();
    const realSink = statsiteCollector();
    const ourSink = statsiteCollector();
    const agents: AgentUnderTest[] = [];
    try {
      const config = (c: Collector, name: string) => {
        const path = join(dir, `${name}.json`);
        Deno.writeTextFileSync(path, JSON.stringify({ statsite_addr: c.addr }));
        return `-config-file=${path}`;
      };
      agents.push(startAgentUnderTest(serf, "real", [config(realSink, "real")]));
      agents.push(startAgentUnderTest("serfts", "ours", [config(ourSink, "ours")]));
      // A lone agent: runtime gauges only (serfts skips gossip ticks with nothing to send: no memberlist.gossip).
      const wanted = [
        "runtime.alloc_bytes",
        "runtime.sys_bytes",
        "runtime.num_goroutines",
        "runtime.total_gc_runs",
      ];
      const all = (c: Collector) => wanted.every((w) => c.has(w));
      await mustReach("statsite lines from both agents", () => all(realSink) && all(ourSink), 30_000, agents);
      const realTypes = metricTypes([realSink]);
      const ourTypes = metricTypes([ourSink]);
      for (const w of wanted) {
        const name = [...realTypes.keys()].find((n) => n.endsWith(w))!;
        assert.equal(ourTypes.get(name), realTypes.get(name), name);
      }
      for (const line of ourSink.lines) assert.match(line, /^serf-agent\.[^:| ]+:-?\d+\.\d{6}\|(g|c|ms)$/);

      // A collector restart: serfts reconnects (after go-metrics' 5 s pause) and carries on.
      const before = ourSink.connections;
      ourSink.dropClients();
      await mustReach("a new statsite connection", () => ourSink.connections > before, 20_000, agents);
      const seen = ourSink.lines.length;
      await mustReach("lines on the new connection", () => ourSink.lines.length > seen, 10_000, agents);
    } finally {
      for (const a of agents) await a.stop("SIGKILL");
      await realSink.close();
      await ourSink.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Telemetry: unreachable or malformed sink addresses are logged and never stop the agent",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!serf) throw new Error("serf is required (SERFTS_REQUIRE_REFERENCE=1) but not installed");
    const dir = await Deno.makeTempDir();
    const closedPort = statsiteCollector();
    const addr = closedPort.addr;
    await closedPort.close(); // nothing listens there now
    const path = join(dir, "bad.json");
    Deno.writeTextFileSync(path, JSON.stringify({ statsite_addr: addr, statsd_addr: "no-port-here" }));
    const agent = startAgentUnderTest("serfts", "bad-sinks", [`-config-file=${path}`]);
    try {
      await mustReach(
        "the RPC",
        async () => (await serfCli(serf, agent.rpc, ["members"])).code === 0,
        30_000,
        [agent],
      );
      await mustReach(
        "both sink errors in the log",
        () =>
          agent.output().includes("[ERR] Error connecting to statsite!") &&
          agent.output().includes("[ERR] Error connecting to statsd!"),
        20_000,
        [agent],
      );
      assert.equal((await serfCli(serf, agent.rpc, ["members"])).code, 0, "the agent keeps serving");
    } finally {
      await agent.stop("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Gauge, counter and sample names in a go-metrics SIGUSR1 dump, as `G name` lines. */
function dumpedNames(output: string): Set<string> {
  const out = new Set<string>();
  for (const m of output.matchAll(/^\[[^\]]+\]\[([GCS])\] '([^']+)': /gm)) out.add(`${m[1]} ${m[2]}`);
  return out;
}

Deno.test({
  name: "Telemetry: SIGUSR1 dumps the in-memory metrics to stderr in serf agent's format",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!serf) throw new Error("serf is required (SERFTS_REQUIRE_REFERENCE=1) but not installed");
    const agents = [startAgentUnderTest(serf, "real", []), startAgentUnderTest("serfts", "ours", [])];
    try {
      for (const a of agents) {
        await mustReach(
          "the RPC",
          async () => (await serfCli(serf, a.rpc, ["members"])).code === 0,
          30_000,
          agents,
        );
      }
      // The dump leaves out the 10 s interval still being aggregated: ask until a finished one shows.
      const dumped = (a: AgentUnderTest) => dumpedNames(a.output()).has("G serf-agent.runtime.alloc_bytes");
      await mustReach(
        "a dump with runtime gauges from both agents",
        async () => {
          for (const a of agents) if (!dumped(a)) await a.signal("SIGUSR1");
          return agents.every(dumped);
        },
        40_000,
        agents,
      );
      const [real, ours] = agents.map((a) => dumpedNames(a.output())) as [Set<string>, Set<string>];
      const runtime = [...real].filter((n) => n.startsWith("G serf-agent.runtime."));
      assert.ok(runtime.length >= 8, `serf dumped its runtime gauges: ${[...real].join(", ")}`);
      assert.deepEqual(runtime.filter((n) => !ours.has(n)), []);
      const line = agents[1]!.output().split("\n").find((l) => l.includes("'serf-agent.runtime.sys_bytes'"))!;
      assert.match(
        line,
        /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\]\[G\] 'serf-agent\.runtime\.sys_bytes': \d+\.\d{3}$/,
      );
    } finally {
      for (const a of agents) await a.stop("SIGKILL");
    }
  },
});
