/**
 * Scenario 7: churn. In a cluster of agents, one (never the first two) is
 * killed with SIGKILL and restarted from its snapshot, again and again; after
 * each step every agent's member list must converge to everyone alive. The
 * first two agents are never killed: their resident set, sampled at every
 * step, shows whether memory grows without bound under churn.
 */
import { sleep } from "../command.ts";
import type { AgentKind } from "../lab_agent.ts";
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

const KEPT = [0, 1];
/** A step slower than this is reported with each agent's view, to show who lags. */
const SLOW_STEP_MS = 15_000;
/** The survivors' memory may grow this much over the run before it counts as unbounded. */
const MAX_RSS_GROWTH = 1.5;

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs churn on a cluster of `kind` for the configured time. */
export function runChurn(ctx: LabContext, kind: AgentKind): Promise<ScenarioRun> {
  return measured(kind, async (run) => {
    const n = ctx.durations.churnAgents;
    const cluster = await startLabCluster({
      kinds: Array(n).fill(kind),
      net: ctx.nextNet(),
      binaries: ctx.binaries,
    });
    try {
      const kept = () => KEPT.map((i) => cluster.agents[i]!);
      const notAlive = async () => {
        const views = await Promise.all(cluster.agents.map((_, i) => cluster.view(i)));
        return views.map((v, i) => {
          const others = v
            ? [...v.values()].filter((m) => m.status !== "alive").map((m) => `${m.name} ${m.status}`)
            : ["no RPC"];
          const missing = v ? cluster.names.filter((n) => !v.has(n)).map((n) => `${n} missing`) : [];
          return `${cluster.names[i]} sees [${[...others, ...missing].join(", ")}]`;
        }).join("; ");
      };
      const rssStart = meanRssMiB(kept());
      const converged: number[] = [];
      let steps = 0;
      let stuck = 0;
      let rssPeak = rssStart;
      const end = Date.now() + ctx.durations.churnMs;
      while (Date.now() < end) {
        const victim = KEPT.length + Math.floor(Math.random() * (n - KEPT.length));
        steps++;
        cluster.agents[victim]!.signal("SIGKILL");
        await cluster.agents[victim]!.exited;
        const restarted = Date.now();
        await cluster.restart(victim);
        let ok = await cluster.waitAllAlive(SLOW_STEP_MS);
        if (ok === undefined) {
          ctx.note(
            `${kind} churn step ${steps}: not converged after ${SLOW_STEP_MS} ms: ${await notAlive()}`,
          );
          ok = await cluster.waitAllAlive(ctx.durations.churnStepMaxMs - SLOW_STEP_MS);
        }
        if (ok === undefined) stuck++;
        else converged.push(Date.now() - restarted);
        rssPeak = Math.max(rssPeak, meanRssMiB(kept()));
        await sleep(ctx.durations.churnPauseMs);
      }
      const rssEnd = meanRssMiB(kept());
      run.figures["agents"] = n;
      run.figures["minutes"] = Math.round(ctx.durations.churnMs / 6_000) / 10;
      run.figures["kill/restart steps"] = steps;
      run.figures["converged"] = converged.length;
      run.figures["median to converge (s)"] = seconds(median(converged));
      run.figures["slowest (s)"] = seconds(converged.length ? Math.max(...converged) : undefined);
      run.figures["RSS before (MiB)"] = rssStart;
      run.figures["RSS peak (MiB)"] = rssPeak;
      run.figures["RSS after (MiB)"] = rssEnd;
      expect(run, stuck === 0, `${stuck} of ${steps} steps did not converge to everyone alive`);
      expect(run, steps > 0, "no churn step ran");
      expect(
        run,
        rssEnd <= rssStart * MAX_RSS_GROWTH,
        `the never-killed agents' memory grew from ${rssStart} to ${rssEnd} MiB`,
      );
    } finally {
      await cluster.close();
    }
  });
}

/** Scenario 7 for serf and for serfts. */
export const churnScenario: Scenario = {
  id: 7,
  title: "Churn: kill and restart an agent every few seconds",
  concurrent: true,
  runs: (ctx) => IMPLEMENTATIONS.map((k) => ({ label: k, run: () => runChurn(ctx, k) })),
};
