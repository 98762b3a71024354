/**
 * Idle footprint of a lone agent: `count` agents of each kind started at the
 * same time (not joined to anything), so serf and serfts share the same
 * window of a shared machine; after they answer RPC and settle for 3 s, CPU
 * ticks (utime + stime) over `windowMs` and VmRSS at its end, per agent.
 */
import { BenchAgent } from "./agent_process.ts";
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
    for (let i = 0; i < count; i++) {
      for (const r of runners) agents.push(BenchAgent.start(r, `idle-${r.kind}-${i}`));
    }
    const ready = await Promise.all(agents.map((a) => a.waitReady(60_000)));
    await sleep(3_000);
    const before = agents.map((a) => procSample(a.pid));
    await sleep(windowMs);
    const after = agents.map((a) => procSample(a.pid));
    return agents.map((a, i) => ({
      kind: a.kind,
      rssMb: Number.isFinite(ready[i]) ? after[i]!.rssKb / 1024 : NaN,
      cpuTicks: Number.isFinite(ready[i]) ? after[i]!.cpuTicks - before[i]!.cpuTicks : NaN,
    }));
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}
