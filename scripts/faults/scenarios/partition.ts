/**
 * Scenario 2: five hosts split 2/3 on the bridge until each side marks every
 * node of the other failed, then healed: Serf's reconnect (every 30 s, to a
 * random failed member) must bring every member back to alive everywhere.
 */
import type { AgentKind } from "../lab_agent.ts";
import { startLabCluster } from "../lab_cluster.ts";
import { waitUntil } from "../command.ts";
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

const SIDE_A = [0, 1];
const SIDE_B = [2, 3, 4];

/** Partitions a five-host cluster of `kind`, waits for detection, heals, waits for all alive. */
export function runPartition(ctx: LabContext, kind: AgentKind): Promise<ScenarioRun> {
  return measured(kind, async (run) => {
    const cluster = await startLabCluster({
      kinds: Array(5).fill(kind),
      net: ctx.nextNet(),
      binaries: ctx.binaries,
    });
    try {
      run.figures["RSS before (MiB)"] = meanRssMiB(cluster.agents);
      await cluster.net.partition(SIDE_A, SIDE_B);
      const detected = await waitUntil(
        async () =>
          (await cluster.allSee(SIDE_A, SIDE_B, "failed")) &&
          (await cluster.allSee(SIDE_B, SIDE_A, "failed")),
        ctx.durations.detectMaxMs,
      );
      run.figures["time to detect (s)"] = seconds(detected);
      expect(run, detected !== undefined, "the two sides did not mark each other failed");
      await cluster.net.heal();
      const healed = await cluster.waitAllAlive(ctx.durations.healMaxMs);
      run.figures["time to all alive (s)"] = seconds(healed);
      run.figures["RSS after (MiB)"] = meanRssMiB(cluster.agents);
      expect(
        run,
        healed !== undefined,
        `not every member was alive everywhere ${ctx.durations.healMaxMs} ms after heal`,
      );
    } finally {
      await cluster.close();
    }
  });
}

/** Scenario 2 for serf and for serfts. */
export const partitionScenario: Scenario = {
  id: 2,
  title: "Partition 2/3 past the detection time, then heal",
  concurrent: false,
  runs: (ctx) => IMPLEMENTATIONS.map((k) => ({ label: k, run: () => runPartition(ctx, k) })),
};
