/**
 * Scenario 1: UDP blocked between two hosts, TCP open. memberlist's TCP
 * fallback probe keeps each node alive and logs that the network may be
 * misconfigured; neither node may declare the other failed.
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
} from "../scenario.ts";

/** memberlist's warning when only the TCP fallback reached the node (state.go probeNode). */
export const TCP_ONLY_WARNING =
  /Was able to connect to \S+ but other probes failed, network may be misconfigured/;

/** Runs the UDP block on a two-host cluster of `kinds`. */
export function runUdpBlocked(ctx: LabContext, label: string, kinds: AgentKind[]): Promise<ScenarioRun> {
  return measured(label, async (run) => {
    const cluster = await startLabCluster({ kinds, net: ctx.nextNet(), binaries: ctx.binaries });
    try {
      run.figures["RSS before (MiB)"] = meanRssMiB(cluster.agents);
      await cluster.net.blockUdp();
      await sleep(ctx.durations.udpBlockMs);
      const alive = await cluster.allSee([0, 1], [0, 1], "alive");
      const warnings = countInLogs(cluster.agents, TCP_ONLY_WARNING);
      const failures = countInLogs(cluster.agents, MEMBER_FAILED);
      run.figures["UDP blocked (s)"] = ctx.durations.udpBlockMs / 1000;
      run.figures["UDP dropped"] = await cluster.net.udpDropped();
      run.figures["both alive"] = alive ? "yes" : "no";
      run.figures["warnings"] = warnings;
      run.figures["false failures"] = failures;
      run.figures["RSS after (MiB)"] = meanRssMiB(cluster.agents);
      expect(run, alive, "a node was not alive in both member lists with UDP blocked");
      expect(run, warnings > 0, "no agent logged memberlist's TCP-fallback warning");
      expect(run, failures === 0, `${failures} member-failed events with TCP open`);
    } finally {
      await cluster.close();
    }
  });
}

/** Scenario 1 for serf and for serfts. */
export const udpBlockedScenario: Scenario = {
  id: 1,
  title: "UDP blocked, TCP open between two hosts",
  concurrent: false,
  runs: (ctx) => IMPLEMENTATIONS.map((k) => ({ label: k, run: () => runUdpBlocked(ctx, k, [k, k]) })),
};
