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
      // A start that fails (a port taken meanwhile on a shared machine) is tried again, at most 3 times.
      for (let attempt = 0; attempt < 3; attempt++) {
        const agent = BenchAgent.start(r, `ready-${r.kind}-${i}`);
        try {
          const ms = await agent.waitReady(30_000);
          if (Number.isFinite(ms)) {
            out[r.kind].push(ms);
            break;
          }
        } finally {
          await agent.stop();
        }
      }
    }
  }
  return out;
}
