/**
 * One cluster run: N agents on loopback (all serf, all serfts, or alternating
 * for a mixed cluster), each with the recording handler, measured in order:
 * 1. join convergence: every agent started alone and answering RPC, then
 *    agents 1..N-1 asked over RPC to join agent 0 at once; the time until
 *    every agent has logged EventMemberJoin for every other one;
 * 2. steady state over a window: bytes sent per agent per second (nftables),
 *    CPU per agent (/proc utime+stime), RSS per agent at the end;
 * 3. user-event dissemination: an event sent through agent 0's RPC, the time
 *    until every agent's handler has recorded it (median over the events);
 * 4. query responses: a query through agent 0's RPC, the time until all N
 *    responses arrived back on the RPC stream (median over the queries);
 * 5. failure detection: SIGKILL of the last agent, the time until every other
 *    agent has logged EventMemberFailed for it (after the kill); and how many
 *    times during the run an agent logged a live peer as failed.
 * A step that does not complete within its bound is reported as NaN ("n/a"); a
 * cluster that does not converge is not measured further.
 */
import { type BenchAgent, startReady } from "./agent_process.ts";
import { recordingHandler } from "./handler_script.ts";
import type { Runner } from "./kinds.ts";
import { procSample } from "./proc_stat.ts";
import { median, sleep, waitUntil, wallMs } from "./stats.ts";
import { openTrafficCounter } from "./traffic.ts";

/** What one cluster run measured; durations in ms. */
export interface ClusterMeasurement {
  convergeMs: number;
  eventMs: number;
  queryMs: number;
  failureMs: number;
  bytesPerAgentPerSec: number;
  /** Average CPU of one agent over the steady window, percent of one core. */
  cpuPercentPerAgent: number;
  rssMbPerAgent: number;
  /** (observer, peer) pairs where an agent logged a live peer as failed: false alarms under load. */
  falseFailures: number;
}

/** Sizes of the steps of {@linkcode measureCluster}. */
export interface ClusterPlan {
  /** Steady-state window for bytes and CPU, ms. */
  steadyMs: number;
  /** User events sent (median reported). */
  events: number;
  /** Queries sent (median reported). */
  queries: number;
}

const CONVERGE_MS = 60_000;
const EVENT_MS = 20_000;
const FAILURE_MS = 60_000;

/** Starts `size` agents, agent i running `runners[i % runners.length]`, measures them and stops them. */
/** A cluster measurement with nothing measured yet (every figure NaN). */
export function unmeasuredCluster(): ClusterMeasurement {
  return {
    convergeMs: NaN,
    eventMs: NaN,
    queryMs: NaN,
    failureMs: NaN,
    bytesPerAgentPerSec: NaN,
    cpuPercentPerAgent: NaN,
    rssMbPerAgent: NaN,
    falseFailures: NaN,
  };
}

export async function measureCluster(
  runners: Runner[],
  size: number,
  plan: ClusterPlan,
): Promise<ClusterMeasurement> {
  const result = unmeasuredCluster();
  const dir = await Deno.makeTempDir({ prefix: "serfts-bench-" });
  const handler = recordingHandler(dir);
  const agents: BenchAgent[] = [];
  const pending: Promise<unknown>[] = [];
  try {
    const started = await Promise.all(
      Array.from({ length: size }, (_, i) => {
        const runner = runners[i % runners.length]!;
        return startReady(runner, `${runner.kind}-${i}`, { eventHandler: handler.flag, env: handler.env });
      }),
    );
    for (const s of started) if (s) agents.push(s.agent);
    if (agents.length < size) {
      console.log(`bench: a ${size}-agent cluster could not start; skipping it`);
      return result;
    }
    const clients = await Promise.all(agents.map((a) => a.client()));
    const seed = `127.0.0.1:${agents[0]!.bindPort}`;

    const joinStart = performance.now();
    // A loaded seed may time out a join; ask again (bounded) rather than lose the run.
    await Promise.all(
      clients.slice(1).map(async (c) => {
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            return await c.join([seed]);
          } catch (err) {
            console.log(`bench: join attempt ${attempt} failed: ${err instanceof Error ? err.message : err}`);
          }
        }
      }),
    );
    const converged = () => agents.every((a) => agents.every((b) => b === a || a.joinSeen.has(b.name)));
    if (await waitUntil(converged, CONVERGE_MS)) {
      result.convergeMs = Math.max(
        ...agents.flatMap((a) => agents.filter((b) => b !== a).map((b) => a.joinSeen.get(b.name)!)),
      ) - joinStart;
    } else {
      reportStragglers(agents);
      return result; // the other steps mean nothing on a split cluster
    }
    await sleep(2_000);

    const counter = await openTrafficCounter(agents.map((a) => a.bindPort));
    try {
      const before = agents.map((a) => procSample(a.pid));
      const bytesBefore = counter ? await counter.read() : NaN;
      const windowStart = performance.now();
      await sleep(plan.steadyMs);
      const bytesAfter = counter ? await counter.read() : NaN;
      const seconds = (performance.now() - windowStart) / 1000;
      const after = agents.map((a) => procSample(a.pid));
      result.bytesPerAgentPerSec = (bytesAfter - bytesBefore) / size / seconds;
      const ticks = after.reduce((s, x, i) => s + x.cpuTicks - before[i]!.cpuTicks, 0);
      result.cpuPercentPerAgent = ticks * 10 / (seconds * 1000) / size * 100;
      result.rssMbPerAgent = after.reduce((s, x) => s + x.rssKb, 0) / size / 1024;
    } finally {
      await counter?.close();
    }

    const eventTimes: number[] = [];
    for (let k = 0; k < plan.events; k++) {
      const name = `bench-event-${k}`;
      const sent = wallMs();
      await clients[0]!.userEvent(name, new TextEncoder().encode("payload"), false);
      if (await waitUntil(() => handler.arrivals("user", name).size >= size, EVENT_MS)) {
        eventTimes.push(Math.max(...handler.arrivals("user", name).values()) - sent);
      }
      await sleep(300);
    }
    result.eventMs = median(eventTimes);

    const queryTimes: number[] = [];
    for (let k = 0; k < plan.queries; k++) {
      let responses = 0;
      let allAt = NaN;
      const sent = performance.now();
      pending.push(
        clients[0]!.query({ name: `bench-query-${k}`, timeoutMs: 15_000 }, {
          onResponse() {
            if (++responses === size) allAt = performance.now();
          },
        }).catch(() => {}),
      );
      if (await waitUntil(() => Number.isFinite(allAt), EVENT_MS)) queryTimes.push(allAt - sent);
      await sleep(300);
    }
    result.queryMs = median(queryTimes);

    const victim = agents[size - 1]!;
    const others = agents.filter((a) => a !== victim);
    const killedAt = performance.now();
    await victim.stop();
    const seen = () => others.map((a) => a.failedAfter(victim.name, killedAt));
    if (await waitUntil(() => seen().every((t) => t !== undefined), FAILURE_MS, 50)) {
      result.failureMs = Math.max(...seen().map((t) => t!)) - killedAt;
    }
    result.falseFailures = others.reduce(
      (n, a) =>
        n +
        agents.filter((b) =>
          b !== a && (a.failedSeen.get(b.name) ?? []).some((t) => b !== victim || t < killedAt)
        ).length,
      0,
    );
    return result;
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.allSettled(pending);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Says which agents had not seen which peers when convergence timed out, and how the first one ended its log. */
function reportStragglers(agents: BenchAgent[]): void {
  const behind = agents.filter((a) => agents.some((b) => b !== a && !a.joinSeen.has(b.name)));
  for (const a of behind) {
    const missing = agents.filter((b) => b !== a && !a.joinSeen.has(b.name)).map((b) => b.name);
    console.log(
      `bench: no convergence: ${a.name}${a.exited ? " (exited)" : ""} never saw ${missing.length}: ${
        missing.slice(0, 5).join(", ")
      }`,
    );
  }
  const first = behind.find((a) => a.exited) ?? behind[0];
  if (first) {
    console.log(
      `bench: last lines of ${first.name}:\n${first.log.trimEnd().split("\n").slice(-8).join("\n")}`,
    );
  }
}
