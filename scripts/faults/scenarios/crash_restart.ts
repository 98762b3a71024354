/**
 * Scenario 4: an agent is killed with SIGKILL (no leave) and started again
 * with the same snapshot and tags file and no join address. It must rejoin by
 * itself from the snapshot, keep the tag set at run time before the crash,
 * and none of its Lamport clocks (member, event, query) may go backwards.
 */
import { sleep, waitUntil } from "../command.ts";
import type { AgentKind, Clocks } from "../lab_agent.ts";
import { startLabCluster } from "../lab_cluster.ts";
import {
  expect,
  IMPLEMENTATIONS,
  type LabContext,
  meanRssMiB,
  measured,
  type Scenario,
  type ScenarioRun,
  seconds,
} from "../scenario.ts";

const VICTIM = 2;
/** Serf's snapshotter writes the clocks every 500 ms; give it a few rounds before the kill. */
const SNAPSHOT_FLUSH_MS = 2_000;

function clockText(c: Clocks | undefined): string {
  return c ? `${c.member}/${c.event}/${c.query}` : "n/a";
}

/** Crashes and restarts host 2 of a three-host cluster of `kinds`. */
export function runCrashRestart(ctx: LabContext, label: string, kinds: AgentKind[]): Promise<ScenarioRun> {
  return measured(label, async (run) => {
    const cluster = await startLabCluster({ kinds, net: ctx.nextNet(), binaries: ctx.binaries });
    try {
      run.figures["RSS before (MiB)"] = meanRssMiB(cluster.agents);
      const victim = cluster.agents[VICTIM]!;
      const name = cluster.names[VICTIM]!;
      const tag = `crash-${Date.now() % 100000}`;
      const set = await victim.cli(["tags", "-set", `role=${tag}`]);
      expect(run, set.code === 0, `serf tags -set failed: ${set.out.trim()}`);
      const tagSeen = async () => (await cluster.view(0))?.get(name)?.tags.role === tag;
      expect(
        run,
        (await waitUntil(tagSeen, 30_000)) !== undefined,
        "the new tag did not reach the other agents",
      );
      const event = await victim.cli(["event", "-coalesce=false", "before-crash", "x"]);
      expect(run, event.code === 0, `serf event failed: ${event.out.trim()}`);
      await victim.cli(["query", "-timeout=1s", "before-crash"]);
      await sleep(SNAPSHOT_FLUSH_MS);
      const before = await victim.clocks();
      victim.signal("SIGKILL");
      await victim.exited;
      const restarted = Date.now();
      const again = await cluster.restart(VICTIM);
      const rejoined = await cluster.waitAllAlive(ctx.durations.healMaxMs);
      run.figures["time to rejoin (s)"] = rejoined === undefined ? null : seconds(Date.now() - restarted);
      expect(run, rejoined !== undefined, "the restarted agent did not rejoin by itself from its snapshot");
      const kept = await waitUntil(tagSeen, 10_000);
      run.figures["tags kept"] = kept !== undefined ? "yes" : "no";
      expect(run, kept !== undefined, "the other agents do not see the tag set before the crash");
      const after = await again.clocks();
      run.figures["clocks before (m/e/q)"] = clockText(before);
      run.figures["clocks after (m/e/q)"] = clockText(after);
      const forward = before !== undefined && after !== undefined && after.member >= before.member &&
        after.event >= before.event && after.query >= before.query;
      expect(run, forward, `a clock went backwards: ${clockText(before)} -> ${clockText(after)}`);
      run.figures["RSS after (MiB)"] = meanRssMiB(cluster.agents);
    } finally {
      await cluster.close();
    }
  });
}

/** Scenario 4 for serf and for serfts. */
export const crashRestartScenario: Scenario = {
  id: 4,
  title: "Crash (SIGKILL) and restart with the snapshot",
  concurrent: false,
  runs: (ctx) => IMPLEMENTATIONS.map((k) => ({ label: k, run: () => runCrashRestart(ctx, k, [k, k, k]) })),
};
