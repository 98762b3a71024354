/**
 * Flood bench: two agents on loopback (serf and serfts side by side), one of
 * them flooded with user events at `--rate` per second for `--seconds`, first
 * through its RPC port, then from a "peer" sending raw memberlist user
 * messages (Serf user events) to its gossip port. While it lasts, `members` is
 * asked every 500 ms over a separate connection (responsiveness) and `info`
 * every 2 s (broadcast queue depths); resident memory is sampled before,
 * during and after. Serf's answer to a flood is its queue-depth check (every
 * 30 s: warn at 128 queued, prune beyond 4096), so the default run lasts 40 s.
 *
 * Usage: deno run -A scripts/bench/flood.ts [--rate=10000] [--seconds=40]
 *        [--impl=both|serf|serfts] [--serfts=binary|deno] [--json=PATH]
 */
import { RpcClient } from "../../lib/rpc/client.ts";
import { encodeSerfMessage } from "../../lib/serf/messages.ts";
import { type BenchAgent, startReady } from "./agent_process.ts";
import { type Runner, serfRunner, serftsRunner } from "./kinds.ts";
import { procSample } from "./proc_stat.ts";
import { fmt, median, sleep, waitUntil } from "./stats.ts";

/** One run's settings. */
export interface FloodOptions {
  /** Target user events per second. @default {10000} */
  rate: number;
  /** Length of each flood. @default {40} (past Serf's 30 s queue check) */
  seconds: number;
  /** Which implementations run. @default {"both"} */
  impl: "both" | "serf" | "serfts";
  /** serfts as `dist/serfts` or under `deno run`. @default {"binary"} */
  serfts: "binary" | "deno";
  json?: string;
}

/** What one flood measured. */
export interface FloodResult {
  kind: string;
  scenario: "rpc" | "peer";
  /** Events per second the flooded agent accepted (RPC answered without error) or that were sent (peer). */
  heldRate: number;
  rpcErrors: number;
  membersP50Ms: number;
  membersMaxMs: number;
  /** `members` calls that did not answer within 5 s. */
  membersTimeouts: number;
  maxEventQueue: number;
  eventQueueAtEnd: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  /** Lines like `Event queue depth: N` and `... exceeds limit ..., dropping messages!` in the agent's log. */
  depthWarnings: number;
  pruneWarnings: number;
  /** Whether both agents still saw each other alive after the flood. */
  clusterIntact: boolean;
}

const USAGE = "Usage: deno run -A scripts/bench/flood.ts [--rate=10000] [--seconds=40] " +
  "[--impl=both|serf|serfts] [--serfts=binary|deno] [--json=PATH]";

/** @throws {TypeError} with the usage for an unknown flag or bad value */
export function parseFloodOptions(args: string[]): FloodOptions {
  const o: FloodOptions = { rate: 10_000, seconds: 40, impl: "both", serfts: "binary" };
  for (const arg of args) {
    const [flag, value = ""] = arg.split("=", 2) as [string, string?];
    const num = Number(value);
    if (flag === "--rate" && num > 0) o.rate = num;
    else if (flag === "--seconds" && num > 0) o.seconds = num;
    else if (flag === "--impl" && ["both", "serf", "serfts"].includes(value)) {
      o.impl = value as FloodOptions["impl"];
    } else if (flag === "--serfts" && (value === "binary" || value === "deno")) o.serfts = value;
    else if (flag === "--json" && value) o.json = value;
    else throw new TypeError(`Cannot parse flood option '${arg}'\n${USAGE}`);
  }
  return o;
}

/** Ticks per second of the sender: each tick sends rate/TICKS events. */
const TICKS = 100;
/** RPC requests in flight at most; past it the sender waits, so the held rate shows the agent's pace. */
const MAX_IN_FLIGHT = 2_000;

/** Floods `target` through its RPC for `seconds`; returns accepted events and errors. */
async function rpcFlood(target: BenchAgent, rate: number, seconds: number): Promise<[number, number]> {
  const client = await RpcClient.connect(target.rpcAddr, { timeoutMs: 30_000 });
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  const payload = new TextEncoder().encode("flood-payload-0123456789");
  const start = performance.now();
  try {
    for (let tick = 0; tick < seconds * TICKS; tick++) {
      for (let i = 0; i < rate / TICKS; i++) {
        while (inFlight >= MAX_IN_FLIGHT) await sleep(1);
        inFlight++;
        client.userEvent(`flood-${tick % 10}`, payload, false).then(() => ok++, () => errors++)
          .finally(() => inFlight--);
      }
      await sleep(Math.max(0, start + ((tick + 1) * 1000) / TICKS - performance.now()));
    }
    await waitUntil(() => inFlight === 0, 30_000);
  } finally {
    client.close();
  }
  return [ok, errors];
}

/** Sends raw memberlist user messages carrying Serf user events to `target`'s gossip port; returns packets sent. */
async function peerFlood(target: BenchAgent, rate: number, seconds: number): Promise<number> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: target.bindPort };
  const payload = new TextEncoder().encode("peer-flood-payload");
  let sent = 0;
  const start = performance.now();
  try {
    for (let tick = 0; tick < seconds * TICKS; tick++) {
      for (let i = 0; i < rate / TICKS; i++) {
        // Rising Lamport times: every event is new to the agent, as a real flood would be.
        const msg = encodeSerfMessage({
          type: "userEvent",
          lTime: 1_000 + sent,
          name: "peer",
          payload,
          cc: false,
        });
        const packet = new Uint8Array(msg.length + 1);
        packet[0] = 8; // memberlist's user message type
        packet.set(msg, 1);
        await socket.send(packet, to);
        sent++;
      }
      await sleep(Math.max(0, start + ((tick + 1) * 1000) / TICKS - performance.now()));
    }
  } finally {
    socket.close();
  }
  return sent;
}

/** Runs one flood against `target` (with `peer` in the cluster) and measures it. */
async function measure(
  kind: string,
  scenario: "rpc" | "peer",
  target: BenchAgent,
  peer: BenchAgent,
  o: FloodOptions,
): Promise<FloodResult> {
  const depthWarnings = target.watch(/Event queue depth: \d+/);
  const pruneWarnings = target.watch(/Event queue depth \(\d+\) exceeds limit/);
  const rssBefore = procSample(target.pid).rssKb / 1024;
  let rssPeak = rssBefore;
  const latencies: number[] = [];
  let timeouts = 0;
  let maxQueue = 0;
  let running = true;
  const probe = await RpcClient.connect(target.rpcAddr, { timeoutMs: 5_000 });
  const prober = (async () => {
    for (let i = 0; running; i++) {
      const t = performance.now();
      try {
        await probe.members();
        latencies.push(performance.now() - t);
        if (i % 4 === 0) maxQueue = Math.max(maxQueue, Number((await probe.stats()).serf?.event_queue ?? 0));
      } catch {
        timeouts++;
      }
      rssPeak = Math.max(rssPeak, procSample(target.pid).rssKb / 1024);
      await sleep(500);
    }
  })();
  const started = performance.now();
  let held: number;
  let rpcErrors = 0;
  if (scenario === "rpc") {
    const [ok, errors] = await rpcFlood(target, o.rate, o.seconds);
    held = ok / ((performance.now() - started) / 1000);
    rpcErrors = errors;
  } else {
    held = (await peerFlood(target, o.rate, o.seconds)) / ((performance.now() - started) / 1000);
  }
  running = false;
  await prober;
  await sleep(5_000);
  const endQueue = Number((await probe.stats().catch(() => undefined))?.serf?.event_queue ?? NaN);
  const members = await probe.members().catch(() => []);
  probe.close();
  return {
    kind,
    scenario,
    heldRate: held,
    rpcErrors,
    membersP50Ms: median(latencies),
    membersMaxMs: latencies.length ? Math.max(...latencies) : NaN,
    membersTimeouts: timeouts,
    maxEventQueue: maxQueue,
    eventQueueAtEnd: endQueue,
    rssBeforeMb: rssBefore,
    rssPeakMb: rssPeak,
    rssAfterMb: procSample(target.pid).rssKb / 1024,
    depthWarnings: depthWarnings.count,
    pruneWarnings: pruneWarnings.count,
    clusterIntact: members.filter((m) => m.status === "alive").length === 2 && !peer.exited,
  };
}

/** Both scenarios for one implementation, each on a fresh pair of agents. */
async function runKind(runner: Runner, o: FloodOptions): Promise<FloodResult[]> {
  const results: FloodResult[] = [];
  for (const scenario of ["rpc", "peer"] as const) {
    const a = await startReady(runner, `flood-${scenario}-a`);
    const b = await startReady(runner, `flood-${scenario}-b`);
    try {
      if (!a || !b) throw new Error(`Cannot start ${runner.kind} agents for the flood`);
      const client = await b.agent.client();
      await client.join([`127.0.0.1:${a.agent.bindPort}`]);
      await waitUntil(async () => (await client.members()).length === 2, 30_000, 200);
      console.log(`flood: ${runner.kind} ${scenario} at ${o.rate}/s for ${o.seconds} s`);
      results.push(await measure(runner.kind, scenario, a.agent, b.agent, o));
    } finally {
      await Promise.all([a?.agent.stop(), b?.agent.stop()]);
    }
  }
  return results;
}

/** The results as a Markdown table. */
export function floodTable(results: FloodResult[], o: FloodOptions): string {
  const rows = results.map((r) =>
    `| ${r.kind} | ${r.scenario} | ${fmt(r.heldRate)} | ${r.rpcErrors} | ${fmt(r.membersP50Ms, 1)} / ` +
    `${fmt(r.membersMaxMs)} (${r.membersTimeouts} timeouts) | ${r.maxEventQueue} / ${
      fmt(r.eventQueueAtEnd)
    } | ` +
    `${fmt(r.rssBeforeMb, 1)} / ${fmt(r.rssPeakMb, 1)} / ${fmt(r.rssAfterMb, 1)} | ` +
    `${r.depthWarnings} / ${r.pruneWarnings} | ${r.clusterIntact ? "yes" : "NO"} |`
  );
  return [
    `Target ${o.rate} events/s for ${o.seconds} s.`,
    "",
    "| agent | flood | held events/s | RPC errors | `members` p50 / max ms | event queue max / 5 s after | " +
    "RSS before / peak / after MB | depth warnings / prunes | cluster intact |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (import.meta.main) {
  let o: FloodOptions;
  try {
    o = parseFloodOptions(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const runners: Runner[] = [];
  if (o.impl !== "serfts") runners.push(serfRunner("/usr/bin/serf"));
  if (o.impl !== "serf") runners.push(await serftsRunner(o.serfts));
  const results: FloodResult[] = [];
  try {
    for (const r of runners) results.push(...await runKind(r, o));
  } finally {
    for (const r of runners) await r.cleanup?.();
  }
  console.log(floodTable(results, o));
  if (o.json) Deno.writeTextFileSync(o.json, JSON.stringify({ options: o, results }, null, 2));
}
