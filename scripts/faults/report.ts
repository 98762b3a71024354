/**
 * Turns the lab's results into text: a markdown table per scenario (serf's and
 * serfts' figures side by side), and the "## Fault lab" section of
 * docs/reliability.md, which is replaced in place so other sections of the
 * file (such as "## Bad input") stay as they are.
 */
import type { Figure, ScenarioResult } from "./scenario.ts";

/** The heading this lab owns in docs/reliability.md. */
export const SECTION_HEADING = "## Fault lab";

function cell(value: Figure | undefined): string {
  if (value === undefined || value === null) return "—";
  return String(value).replaceAll("|", "\\|");
}

/** One scenario as a markdown table: a row per run, a column per figure, then the outcome. */
export function scenarioTable(result: ScenarioResult): string {
  const columns: string[] = [];
  for (const run of result.runs) {
    for (const key of Object.keys(run.figures)) if (!columns.includes(key)) columns.push(key);
  }
  const header = ["run", ...columns, "outcome"];
  const rows = result.runs.map((run) => [
    run.label,
    ...columns.map((c) => cell(run.figures[c])),
    run.passed ? "pass" : `FAIL: ${run.problems.join("; ")}`,
  ]);
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/**
 * Splits a scenario's runs into tables of runs that share their figures:
 * scenario 6 mixes three scenarios, each with its own columns.
 */
function tables(result: ScenarioResult): string[] {
  const groups: ScenarioResult[] = [];
  for (const run of result.runs) {
    const keys = Object.keys(run.figures).join("\n");
    const last = groups.at(-1);
    if (last && Object.keys(last.runs[0]!.figures).join("\n") === keys) last.runs.push(run);
    else groups.push({ ...result, runs: [run] });
  }
  return groups.map(scenarioTable);
}

/** All scenarios as text for the terminal and the doc. */
export function resultsMarkdown(results: ScenarioResult[]): string {
  return results.map((r) =>
    `### ${r.id}. ${r.title}\n\n${tables(r).join("\n\n")}\n\n_${
      Math.round(r.elapsedMs / 1000)
    } s of wall time._`
  ).join("\n\n");
}

/** Facts about the run the doc states above the tables. */
export interface RunFacts {
  date: string;
  serfVersion: string;
  serftsVersion: string;
  loadBefore: string;
  loadAfter: string;
  cores: number;
}

/** The whole "## Fault lab" section. */
export function faultLabSection(results: ScenarioResult[], facts: RunFacts): string {
  return `${SECTION_HEADING}

Written by \`deno task faults\` (scripts/faults/); CI runs the quick form of
scenarios 1, 2, 4, 5 and 6 (tests/faults/faults_quick_test.ts) and checks
their outcomes, not their timings. Each agent runs in its own network
namespace on a bridge (addresses 10.79.x.0/24 that exist only inside the
namespaces); faults are nftables rules on the bridge (UDP block, partition) or
on one host's veth (random loss each way). serf is ${facts.serfVersion}; serfts
is the compiled \`dist/serfts\` (${facts.serftsVersion}). Both run with their
default LAN settings (probe every 1 s, suspicion multiplier 4, push/pull and
reconnect every 30 s). Times are measured by polling every agent's member list
over RPC every 0.5 s, so they are accurate to about a second; a time is from
the fault (or its end) until every agent agrees. RSS is the mean resident set
per agent (in scenario 6 over both kinds; in scenario 7 over the two agents
that are never killed).

Run on ${facts.date}, ${facts.cores} cores shared with other work: load average
${facts.loadBefore} at the start and ${facts.loadAfter} at the end. Runs whose
figures are timings (1, 2, 4, 5, 6) went one at a time; the loss and churn runs
of serf and serfts went side by side.

Reading the figures:
- "false failures" counts member-failed events in all agents' logs while every
  host kept running; "suspicions/min" counts memberlist's "Suspect ... has
  failed, no acks received" lines, summed over the agents.
- Clocks (member/event/query Lamport times, from \`info\`) are read on the
  crashed agent just before the SIGKILL and after it rejoined; "after" must not
  be lower than "before".
- Serf's snapshot is buffered and written out only when a new line arrives 0.5 s
  after the last write, so the members an agent learns in one burst (its own
  join, say) can stay off the disk: three seconds after a 4-agent serf cluster
  formed, a member's snapshot held only its own name (serfts's held all four).
  A serf agent SIGKILLed then restarts knowing nobody and waits for someone's
  push/pull (up to 30 s) to learn the cluster: serf's slowest churn steps are
  those. serfts writes each snapshot line through.

${resultsMarkdown(results)}
`;
}

/** Replaces (or appends) the "## Fault lab" section of the markdown `doc`, keeping every other section. */
export function replaceSection(doc: string, section: string): string {
  const start = doc.indexOf(`${SECTION_HEADING}\n`);
  if (start < 0) return `${doc.trimEnd()}\n\n${section.trimEnd()}\n`;
  const next = doc.indexOf("\n## ", start + SECTION_HEADING.length);
  const tail = next < 0 ? "" : doc.slice(next + 1);
  return `${doc.slice(0, start)}${section.trimEnd()}\n${tail ? `\n${tail}` : ""}`;
}
