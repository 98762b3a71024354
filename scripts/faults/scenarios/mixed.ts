/**
 * Scenario 6: scenarios 1, 4 and 5 on clusters mixing real Serf agents and
 * serfts agents, with the faulted host once of each kind.
 */
import type { AgentKind } from "../lab_agent.ts";
import type { LabContext, Scenario, ScenarioRun } from "../scenario.ts";
import { runCrashRestart } from "./crash_restart.ts";
import { runStopCont } from "./stop_cont.ts";
import { runUdpBlocked } from "./udp_blocked.ts";

type Runner = (ctx: LabContext, label: string, kinds: AgentKind[]) => Promise<ScenarioRun>;

/** Each mix: label, the scenario's runner, and the hosts' kinds (the last host is the faulted one in 4 and 5). */
const MIXES: [string, Runner, AgentKind[]][] = [
  ["1: UDP blocked, serf + serfts", runUdpBlocked, ["serf", "serfts"]],
  ["4: crash, serfts host among serf", runCrashRestart, ["serf", "serf", "serfts"]],
  ["4: crash, serf host among serfts", runCrashRestart, ["serfts", "serfts", "serf"]],
  ["5: SIGSTOP, serfts host among serf", runStopCont, ["serf", "serf", "serfts"]],
  ["5: SIGSTOP, serf host among serfts", runStopCont, ["serfts", "serfts", "serf"]],
];

/** Scenario 6: the mixes. */
export const mixedScenario: Scenario = {
  id: 6,
  title: "Mixed clusters: 1, 4 and 5 with real Serf agents among the hosts",
  concurrent: false,
  runs: (ctx) => MIXES.map(([label, runner, kinds]) => ({ label, run: () => runner(ctx, label, kinds) })),
};
