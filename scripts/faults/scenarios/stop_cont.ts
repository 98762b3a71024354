/**
 * Scenario 5: an agent is frozen with SIGSTOP until the others mark it failed
 * (past the suspicion timeout), then thawed with SIGCONT. It must refute the
 * news of its death or rejoin, and every member must be alive everywhere.
 */
import { waitUntil } from "../command.ts";
import type { AgentKind } from "../lab_agent.ts";
import { startLabCluster } from "../lab_cluster.ts";
import {
  countInLogs,
  expect,
  IMPLEMENTATIONS,
  type LabContext,
  meanRssMiB,
  measured,
  REFUTED,
  type Scenario,
  type ScenarioRun,
  seconds,
} from "../scenario.ts";

const VICTIM = 2;
const OTHERS = [0, 1];

/** Freezes host 2 of a three-host cluster of `kinds` past detection, then thaws it. */
export function runStopCont(ctx: LabContext, label: string, kinds: AgentKind[]): Promise<ScenarioRun> {
  return measured(label, async (run) => {
    const cluster = await startLabCluster({ kinds, net: ctx.nextNet(), binaries: ctx.binaries });
    const victim = cluster.agents[VICTIM]!;
    try {
      run.figures["RSS before (MiB)"] = meanRssMiB(cluster.agents);
      const refutes0 = countInLogs([victim], REFUTED);
      victim.signal("SIGSTOP");
      const detected = await waitUntil(
        () => cluster.allSee(OTHERS, [VICTIM], "failed"),
        ctx.durations.detectMaxMs,
      );
      run.figures["time to detect (s)"] = seconds(detected);
      expect(run, detected !== undefined, "the others did not mark the stopped agent failed");
      victim.signal("SIGCONT");
      const healed = await cluster.waitAllAlive(ctx.durations.healMaxMs);
      run.figures["time to all alive (s)"] = seconds(healed);
      run.figures["refutations"] = countInLogs([victim], REFUTED) - refutes0;
      run.figures["RSS after (MiB)"] = meanRssMiB(cluster.agents);
      expect(run, healed !== undefined, "not every member was alive everywhere after SIGCONT");
    } finally {
      victim.signal("SIGCONT");
      await cluster.close();
    }
  });
}

/** Scenario 5 for serf and for serfts. */
export const stopContScenario: Scenario = {
  id: 5,
  title: "SIGSTOP past the suspicion timeout, then SIGCONT",
  concurrent: false,
  runs: (ctx) => IMPLEMENTATIONS.map((k) => ({ label: k, run: () => runStopCont(ctx, k, [k, k, k]) })),
};
