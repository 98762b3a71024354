/**
 * What every fault scenario shares: the run context, the shape of a result
 * (pass/fail with the reasons, and named figures for the report) and small
 * measurements over a cluster's agents.
 */
import type { AgentBinaries, AgentKind, LabAgent } from "./lab_agent.ts";
import type { LabDurations } from "./options.ts";

/** One figure of a run: a number, a short text, or null when not measured. */
export type Figure = number | string | null;

/** One implementation's (or one mix's) outcome of a scenario. */
export interface ScenarioRun {
  /** "serf", "serfts", or a mix such as "mixed, serfts crashed". */
  label: string;
  passed: boolean;
  /** Why it did not pass, one sentence each. */
  problems: string[];
  /** Named figures, in report column order. */
  figures: Record<string, Figure>;
}

/** A scenario's runs, for the report. */
export interface ScenarioResult {
  id: number;
  title: string;
  runs: ScenarioRun[];
  /** Wall-clock ms the scenario took. */
  elapsedMs: number;
}

/** What a scenario gets from the runner. */
export interface LabContext {
  quick: boolean;
  durations: LabDurations;
  binaries: AgentBinaries;
  /** A fresh lab network number, so concurrent clusters never share one. */
  nextNet(): number;
  /** Progress line on stderr. */
  note(message: string): void;
}

/** A fault scenario: runs itself for serf and for serfts (or for mixes) and reports each. */
export interface Scenario {
  id: number;
  title: string;
  /**
   * Whether its runs may go side by side in a full run: true for long runs
   * that count events (loss, churn), false for runs whose timings matter.
   * A quick run always goes side by side.
   */
  concurrent: boolean;
  /** The runs to make, each a function of the context. */
  runs(ctx: LabContext): { label: string; run: () => Promise<ScenarioRun> }[];
}

/** Both pure clusters: every host the same implementation. */
export const IMPLEMENTATIONS: AgentKind[] = ["serf", "serfts"];

/** Mean resident set of the running agents, in MiB with one decimal. */
export function meanRssMiB(agents: LabAgent[]): number {
  const rss = agents.map((a) => a.rssKb()).filter((kb) => kb > 0);
  if (rss.length === 0) return 0;
  return Math.round(rss.reduce((s, kb) => s + kb, 0) / rss.length / 102.4) / 10;
}

/** Lines matching `pattern` in all the agents' logs together. */
export function countInLogs(agents: LabAgent[], pattern: RegExp): number {
  return agents.reduce((s, a) => s + a.count(pattern), 0);
}

/** Milliseconds as seconds with one decimal, or null for "did not happen". */
export function seconds(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms / 100) / 10;
}

/** A serf agent logs a failed member as `serf: EventMemberFailed: <name> <addr>`; serfts the same. */
export const MEMBER_FAILED = /EventMemberFailed: /;
/** memberlist's line when a probe raises a suspicion. */
export const SUSPECTED = /Suspect \S+ has failed, no acks received/;
/** memberlist's line when a node refutes a suspect or dead message about itself. */
export const REFUTED = /Refuting a (suspect|dead) message/;

/** Runs `body` with a fresh result; a throw becomes a failed run carrying the error. */
export async function measured(
  label: string,
  body: (run: ScenarioRun) => Promise<void>,
): Promise<ScenarioRun> {
  const run: ScenarioRun = { label, passed: true, problems: [], figures: {} };
  try {
    await body(run);
  } catch (err) {
    run.problems.push(err instanceof Error ? err.message.split("\n")[0]! : String(err));
  }
  run.passed = run.problems.length === 0;
  return run;
}

/** Records a problem unless `ok`. */
export function expect(run: ScenarioRun, ok: boolean, problem: string): void {
  if (!ok) run.problems.push(problem);
}
