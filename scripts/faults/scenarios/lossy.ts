/**
 * Scenario 3: one host of five drops a share of its packets at random, in and
 * out, for a while (nftables `numgen random mod 100 < N drop` on its eth0).
 * Counted from the agents' logs: suspicions raised (memberlist's "Suspect ...
 * has failed, no acks received") and member-failed events, which are all
 * false: every host keeps running.
 */
import { sleep } from "../command.ts";
import type { AgentKind } from "../lab_agent.ts";
import { startLabCluster } from "../lab_cluster.ts";
import {
  countInLogs,
  expect,
  IMPLEMENTATIONS,
  type LabContext,
  meanRssMiB,
  measured,
  MEMBER_FAILED,
  type Scenario,
  type ScenarioRun,
  seconds,
  SUSPECTED,
} from "../scenario.ts";

const LOSSY_HOST = 4;

/** Runs loss at `percent` on host 4 of a five-host cluster of `kind`. */
export function runLossy(ctx: LabContext, kind: AgentKind, percent: number): Promise<ScenarioRun> {
  return measured(`${kind} ${percent}%`, async (run) => {
    const cluster = await startLabCluster({
      kinds: Array(5).fill(kind),
      net: ctx.nextNet(),
      binaries: ctx.binaries,
    });
    try {
      run.figures["RSS before (MiB)"] = meanRssMiB(cluster.agents);
      const suspicions0 = countInLogs(cluster.agents, SUSPECTED);
      const failures0 = countInLogs(cluster.agents, MEMBER_FAILED);
      await cluster.net.lossy(LOSSY_HOST, percent);
      await sleep(ctx.durations.lossMs);
      await cluster.net.heal();
      const minutes = ctx.durations.lossMs / 60_000;
      const suspicions = countInLogs(cluster.agents, SUSPECTED) - suspicions0;
      const failures = countInLogs(cluster.agents, MEMBER_FAILED) - failures0;
      run.figures["loss each way"] = `${percent}%`;
      run.figures["minutes"] = Math.round(minutes * 100) / 100;
      run.figures["suspicions/min"] = Math.round((suspicions / minutes) * 10) / 10;
      run.figures["false failures"] = failures;
      const healed = await cluster.waitAllAlive(ctx.durations.healMaxMs);
      run.figures["all alive after (s)"] = seconds(healed);
      run.figures["RSS after (MiB)"] = meanRssMiB(cluster.agents);
      expect(run, healed !== undefined, "members were not all alive again after the loss ended");
    } finally {
      await cluster.close();
    }
  });
}

/** Scenario 3 for serf and for serfts, at every configured rate. */
export const lossyScenario: Scenario = {
  id: 3,
  title: "Lossy host (random drop each way)",
  concurrent: true,
  runs: (ctx) =>
    ctx.durations.lossRates.flatMap((p) =>
      IMPLEMENTATIONS.map((k) => ({ label: `${k} ${p}%`, run: () => runLossy(ctx, k, p) }))
    ),
};
