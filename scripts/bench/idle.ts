/**
 * Idle footprint of a lone agent: `count` agents of each kind started at the
 * same time (not joined to anything), so serf and serfts share the same
 * window of a shared machine; after they answer RPC and settle for 3 s, CPU
 * ticks (utime + stime) over `windowMs` and VmRSS at its end, per agent.
 */
import { type BenchAgent, startReady } from "./agent_process.ts";
import type { Kind, Runner } from "./kinds.ts";
import { procSample } from "./proc_stat.ts";
import { sleep } from "./stats.ts";

/** One lone agent's idle footprint. */
export interface IdleSample {
  kind: Kind;
  rssMb: number;
  /** CPU ticks (10 ms) over the window. */
  cpuTicks: number;
}

/** Measures `count` lone agents per runner at once; see the module doc. */
export async function measureIdle(runners: Runner[], count: number, windowMs: number): Promise<IdleSample[]> {
  const agents: BenchAgent[] = [];
  try {
    const starts: Promise<{ agent: BenchAgent } | undefined>[] = [];
    for (let i = 0; i < count; i++) {
      for (const r of runners) starts.push(startReady(r, `idle-${r.kind}-${i}`));
    }
    for (const s of await Promise.all(starts)) if (s) agents.push(s.agent);
    await sleep(3_000);
    const before = agents.map((a) => procSample(a.pid));
    await sleep(windowMs);
    const after = agents.map((a) => procSample(a.pid));
    return agents.map((a, i) => ({
      kind: a.kind,
      rssMb: after[i]!.rssKb / 1024,
      cpuTicks: after[i]!.cpuTicks - before[i]!.cpuTicks,
    }));
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}
