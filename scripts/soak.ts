/**
 * Soak run: a cluster of agent processes on loopback (8 `dist/serfts` by
 * default) under a steady mix of user events, queries and tag changes for
 * `--minutes` (30 by default). Every 10 s it samples each agent's resident
 * memory (VmRSS) and open file descriptors (/proc/PID/fd), and at the end
 * reports the least-squares slope of each (MB/hour, fds/hour): a leak shows as
 * a slope that stays positive however long the run. Then every agent is asked
 * to leave (SIGINT) and must exit with code 0 within the bound: an agent that
 * hangs on a leaked timer or socket fails the run.
 *
 * Usage: deno run -A scripts/soak.ts [--minutes=30] [--agents=8] [--impl=serfts|serf]
 *        [--serfts=binary|deno] [--sample=10] [--json=PATH]
 *
 * Exits 1 when an agent died, missed the exit bound, or the cluster lost members.
 */
import { BenchAgent, startReady } from "./bench/agent_process.ts";
import { type Runner, serfRunner, serftsRunner } from "./bench/kinds.ts";
import { fmt, leastSquaresSlope, median, sleep, waitUntil } from "./bench/stats.ts";
import { procSample } from "./bench/proc_stat.ts";

/** What one run does; every field has a command-line flag. */
export interface SoakOptions {
  /** Load duration. @default {30} */
  minutes: number;
  /** Cluster size. @default {8} */
  agents: number;
  /** Which agent runs. @default {"serfts"} */
  impl: "serfts" | "serf";
  /** serfts as the built binary or under `deno run`. @default {"binary"} */
  serfts: "binary" | "deno";
  /** Seconds between memory/handle samples. @default {10} */
  sampleSeconds: number;
  /** Also write the samples and results as JSON here. @default {undefined} */
  json?: string;
}

/** Defaults of {@linkcode SoakOptions}, as the issue asks: 8 agents, 30 minutes, 10 s samples. */
export function defaultSoakOptions(): SoakOptions {
  return { minutes: 30, agents: 8, impl: "serfts", serfts: "binary", sampleSeconds: 10 };
}

/** How long each agent may take to leave and exit after SIGINT (Serf's graceful leave is bounded by 15 s...). */
const EXIT_BOUND_MS = 20_000;

/**
 * Parses `--name=value` flags over the defaults.
 * @throws {TypeError} for an unknown flag or a bad value
 */
export function parseSoakOptions(args: string[]): SoakOptions {
  const o = defaultSoakOptions();
  for (const arg of args) {
    const [flag, value = ""] = arg.split("=", 2) as [string, string?];
    const num = Number(value);
    if (flag === "--minutes" && num > 0) o.minutes = num;
    else if (flag === "--agents" && Number.isInteger(num) && num >= 2) o.agents = num;
    else if (flag === "--sample" && num > 0) o.sampleSeconds = num;
    else if (flag === "--impl" && (value === "serfts" || value === "serf")) o.impl = value;
    else if (flag === "--serfts" && (value === "binary" || value === "deno")) o.serfts = value;
    else if (flag === "--json" && value) o.json = value;
    else throw new TypeError(`Cannot parse soak option '${arg}': see the usage in scripts/soak.ts`);
  }
  return o;
}

/** One sample of one agent. */
interface Sample {
  agent: string;
  /** Seconds since the load started. */
  t: number;
  rssMb: number;
  fds: number;
}

/** Counts of the load sent and answered. */
interface LoadCounts {
  events: number;
  queries: number;
  queryResponses: number;
  tagChanges: number;
  rpcErrors: number;
}

const HANDLER = `#!/bin/sh
cat >/dev/null
if [ "$SERF_EVENT" = "query" ]; then printf ok; fi
`;

/** Runs the soak and prints its report. @returns whether it passed */
export async function runSoak(o: SoakOptions): Promise<boolean> {
  const runner: Runner = o.impl === "serf" ? serfRunner("/usr/bin/serf") : await serftsRunner(o.serfts);
  const dir = await Deno.makeTempDir({ prefix: "serfts-soak-" });
  const agents: BenchAgent[] = [];
  try {
    Deno.writeTextFileSync(`${dir}/handler.sh`, HANDLER, { mode: 0o755 });
    for (let i = 0; i < o.agents; i++) {
      const name = `soak-${i}`;
      const started = await startReady(runner, name, {
        eventHandler: `user,query=${dir}/handler.sh`,
        extraArgs: [`-tags-file=${dir}/${name}.tags`, `-snapshot=${dir}/${name}.snap`],
      });
      if (!started) throw new Error(`Cannot start agent ${name}: see the lines above`);
      agents.push(started.agent);
    }
    const first = await agents[0]!.client();
    await first.join(agents.slice(1).map((a) => `127.0.0.1:${a.bindPort}`));
    const converged = await waitUntil(async () => (await first.members()).length === o.agents, 60_000, 500);
    if (!converged) throw new Error(`Cannot form the cluster: ${o.agents} agents did not all join in 60 s`);
    console.log(`soak: ${o.agents} ${runner.label} agents joined; load for ${o.minutes} min`);

    const samples: Sample[] = [];
    const counts: LoadCounts = { events: 0, queries: 0, queryResponses: 0, tagChanges: 0, rpcErrors: 0 };
    const started = performance.now();
    const endAt = started + o.minutes * 60_000;
    let nextSample = started;
    for (let tick = 0; performance.now() < endAt; tick++) {
      if (performance.now() >= nextSample) {
        sampleAll(agents, (performance.now() - started) / 1000, samples);
        nextSample += o.sampleSeconds * 1000;
      }
      if (agents.some((a) => a.exited)) break;
      await loadTick(agents, tick, counts);
      await sleep(Math.max(0, started + (tick + 1) * 1000 - performance.now()));
    }
    sampleAll(agents, (performance.now() - started) / 1000, samples);
    const members = await first.members().catch(() => []);
    const alive = members.filter((m) => m.status === "alive").length;
    const died = agents.filter((a) => a.exited).map((a) => a.name);

    // One at a time, as an operator would: each leave is then gossiped to a live cluster.
    const exits: ({ code: number; ms: number } | undefined)[] = [];
    for (const a of agents) {
      const exit = await a.terminate("SIGINT", EXIT_BOUND_MS);
      exits.push(exit);
      if (exit?.code !== 0) {
        console.log(`soak: ${a.name} did not exit cleanly; its last lines:\n${tail(a.log, 8)}`);
      }
    }
    const report = summarize(agents, samples);
    printReport(o, runner, counts, report, alive, exits);
    if (o.json) {
      Deno.writeTextFileSync(o.json, JSON.stringify({ options: o, counts, samples, report, exits }, null, 2));
    }
    const clean = exits.every((e) => e !== undefined && e.code === 0);
    return died.length === 0 && alive === o.agents && clean;
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await runner.cleanup?.();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** One second of load: an event every second, a query every 5 s, a tag change every 10 s, from rotating agents. */
async function loadTick(agents: BenchAgent[], tick: number, counts: LoadCounts): Promise<void> {
  const from = agents[tick % agents.length]!;
  try {
    const client = await from.client();
    await client.userEvent(`soak-${tick % 7}`, new TextEncoder().encode(`tick ${tick}`), false);
    counts.events++;
    if (tick % 5 === 0) {
      counts.queries++;
      await client.query({ name: "soak-q", payload: new Uint8Array(8), timeoutMs: 3_000 }, {
        onResponse: () => counts.queryResponses++,
      });
    }
    if (tick % 10 === 0) {
      await client.updateTags({ soak: String(tick), role: tick % 20 === 0 ? "a" : "b" });
      counts.tagChanges++;
    }
  } catch (err) {
    counts.rpcErrors++;
    if (counts.rpcErrors <= 5) console.log(`soak: RPC to ${from.name} failed: ${err}`);
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function sampleAll(agents: BenchAgent[], t: number, into: Sample[]): void {
  for (const a of agents) {
    if (a.exited) continue;
    into.push({ agent: a.name, t, rssMb: procSample(a.pid).rssKb / 1024, fds: countFds(a.pid) });
  }
}

/** Open descriptors of `pid` (entries of /proc/PID/fd), or NaN when it is gone. */
function countFds(pid: number): number {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
    return n;
  } catch {
    return NaN;
  }
}

/** Per-agent first/last values and slopes per hour. */
interface AgentSummary {
  agent: string;
  rssStartMb: number;
  rssEndMb: number;
  rssSlopeMbPerHour: number;
  /** Over the second half only: past the heap's warm-up, a leak still climbs. */
  rssLateSlopeMbPerHour: number;
  fdsStart: number;
  fdsEnd: number;
  fdsSlopePerHour: number;
}

function summarize(agents: BenchAgent[], samples: Sample[]): AgentSummary[] {
  return agents.map((a) => {
    const own = samples.filter((s) => s.agent === a.name);
    // The first minute is warm-up (JIT, buffers, the cluster settling); leaks show after it.
    const steady = own.filter((s) => s.t >= 60).length >= 3 ? own.filter((s) => s.t >= 60) : own;
    const hour = (pts: { x: number; y: number }[]) => leastSquaresSlope(pts) * 3600;
    const half = (own.at(-1)?.t ?? 0) / 2;
    return {
      agent: a.name,
      rssStartMb: own[0]?.rssMb ?? NaN,
      rssEndMb: own.at(-1)?.rssMb ?? NaN,
      rssSlopeMbPerHour: hour(steady.map((s) => ({ x: s.t, y: s.rssMb }))),
      rssLateSlopeMbPerHour: hour(own.filter((s) => s.t >= half).map((s) => ({ x: s.t, y: s.rssMb }))),
      fdsStart: own[0]?.fds ?? NaN,
      fdsEnd: own.at(-1)?.fds ?? NaN,
      fdsSlopePerHour: hour(steady.map((s) => ({ x: s.t, y: s.fds }))),
    };
  });
}

function printReport(
  o: SoakOptions,
  runner: Runner,
  counts: LoadCounts,
  report: AgentSummary[],
  alive: number,
  exits: ({ code: number; ms: number } | undefined)[],
): void {
  console.log(
    `\nsoak: ${runner.label}, ${o.agents} agents, ${o.minutes} min, samples every ${o.sampleSeconds} s`,
  );
  console.log(
    `load: ${counts.events} events, ${counts.queries} queries (${counts.queryResponses} responses), ` +
      `${counts.tagChanges} tag changes, ${counts.rpcErrors} RPC errors; ${alive}/${o.agents} alive at the end`,
  );
  console.log(
    "| agent | RSS start MB | RSS end MB | RSS slope MB/h (after 1 min / 2nd half) | fds start | fds end | " +
      "fds slope /h | exit |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  report.forEach((r, i) => {
    const e = exits[i];
    const exit = e ? `code ${e.code} in ${fmt(e.ms)} ms` : `killed after ${EXIT_BOUND_MS} ms`;
    console.log(
      `| ${r.agent} | ${fmt(r.rssStartMb, 1)} | ${fmt(r.rssEndMb, 1)} | ${fmt(r.rssSlopeMbPerHour, 2)} / ` +
        `${fmt(r.rssLateSlopeMbPerHour, 2)} | ` +
        `${r.fdsStart} | ${r.fdsEnd} | ${fmt(r.fdsSlopePerHour, 2)} | ${exit} |`,
    );
  });
  console.log(
    `median RSS slope ${fmt(median(report.map((r) => r.rssSlopeMbPerHour)), 2)} MB/h ` +
      `(second half ${fmt(median(report.map((r) => r.rssLateSlopeMbPerHour)), 2)} MB/h), ` +
      `median fd slope ${fmt(median(report.map((r) => r.fdsSlopePerHour)), 2)} /h`,
  );
}

if (import.meta.main) {
  let options: SoakOptions;
  try {
    options = parseSoakOptions(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const stop = () => void BenchAgent.stopAll().then(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", stop);
  const ok = await runSoak(options).catch((err) => {
    console.error(`soak: ${err instanceof Error ? err.message : err}`);
    return false;
  });
  Deno.removeSignalListener("SIGINT", stop);
  console.log(ok ? "soak: PASS" : "soak: FAIL");
  Deno.exit(ok ? 0 : 1);
}
