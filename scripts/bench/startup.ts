/**
 * Start-to-ready: from spawning `<kind> agent` to the first `members` RPC it
 * answers (polled every 5 ms on fresh connections). One agent at a time, the
 * kinds alternating, so each start has the machine to itself.
 */
import { BenchAgent } from "./agent_process.ts";
import type { Kind, Runner } from "./kinds.ts";

/** Milliseconds from exec to ready for each start, per kind, in order. */
export async function measureStartup(runners: Runner[], repeats: number): Promise<Record<Kind, number[]>> {
  const out: Record<Kind, number[]> = { serf: [], serfts: [] };
  for (let i = 0; i < repeats; i++) {
    for (const r of i % 2 ? [...runners].reverse() : runners) {
      const agent = BenchAgent.start(r, `ready-${r.kind}-${i}`);
      try {
        out[r.kind].push(await agent.waitReady(30_000));
      } finally {
        await agent.stop();
      }
    }
  }
  return out;
}
