/**
 * The fault lab: `deno task faults [--quick] [--only N[,M]] [--json] [--no-doc]`.
 *
 * Runs each fault scenario for the real serf and for serfts (dist/serfts) in
 * the same run, one agent per network namespace, and prints a table per
 * scenario; a full run of every scenario also rewrites the "## Fault lab"
 * section of docs/reliability.md. Needs root, iproute2 and nftables.
 *
 * Clean-up: namespaces left by an earlier run whose process is gone are swept
 * at start; this run's namespaces (and every agent in them) are removed at the
 * end, on failure, and on SIGINT/SIGTERM. Exits 1 when any run failed.
 *
 * @module
 */
import { runCommand } from "./command.ts";
import { defaultAgentBinaries } from "./lab_agent.ts";
import { labSupport, removeOwnNamespaces, sweepStaleNamespaces } from "./lab_network.ts";
import { fullDurations, type LabOptions, parseLabOptions, quickDurations } from "./options.ts";
import { faultLabSection, replaceSection, resultsMarkdown } from "./report.ts";
import type { LabContext, Scenario, ScenarioResult, ScenarioRun } from "./scenario.ts";
import { churnScenario } from "./scenarios/churn.ts";
import { crashRestartScenario } from "./scenarios/crash_restart.ts";
import { lossyScenario } from "./scenarios/lossy.ts";
import { mixedScenario } from "./scenarios/mixed.ts";
import { partitionScenario } from "./scenarios/partition.ts";
import { stopContScenario } from "./scenarios/stop_cont.ts";
import { udpBlockedScenario } from "./scenarios/udp_blocked.ts";

/** Every scenario, in the order of issue 11. */
export const SCENARIOS: Scenario[] = [
  udpBlockedScenario,
  partitionScenario,
  lossyScenario,
  crashRestartScenario,
  stopContScenario,
  mixedScenario,
  churnScenario,
];

const root = new URL("../../", import.meta.url).pathname;

/** Runs `runs` one at a time, or two at a time (serf beside serfts) when `together`. */
async function runAll(
  runs: { label: string; run: () => Promise<ScenarioRun> }[],
  together: boolean,
): Promise<ScenarioRun[]> {
  const out: ScenarioRun[] = [];
  const width = together ? 2 : 1;
  for (let i = 0; i < runs.length; i += width) {
    out.push(...await Promise.all(runs.slice(i, i + width).map((r) => r.run())));
  }
  return out;
}

/** Runs the selected scenarios with `options`; progress goes to stderr. */
export async function runFaultLab(options: LabOptions): Promise<ScenarioResult[]> {
  let net = 0;
  const ctx: LabContext = {
    quick: options.quick,
    durations: options.quick ? quickDurations() : fullDurations(),
    binaries: defaultAgentBinaries(),
    nextNet: () => (net = (net % 250) + 1),
    note: (m) => console.error(`[faults] ${m}`),
  };
  for (const [kind, path] of Object.entries(ctx.binaries)) {
    if (!(await Deno.stat(path).then(() => true, () => false))) {
      throw new Error(
        `Cannot run the fault lab: ${kind} binary ${path} is missing (run \`deno task build\`)`,
      );
    }
  }
  const swept = await sweepStaleNamespaces();
  if (swept.length) ctx.note(`removed ${swept.length} stale namespaces of earlier runs`);
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => !options.only || options.only.includes(s.id))) {
    ctx.note(`scenario ${scenario.id}: ${scenario.title}`);
    const started = Date.now();
    const runs = await runAll(scenario.runs(ctx), options.quick || scenario.concurrent);
    results.push({ id: scenario.id, title: scenario.title, runs, elapsedMs: Date.now() - started });
    for (const r of runs) ctx.note(`  ${r.label}: ${r.passed ? "pass" : `FAIL: ${r.problems.join("; ")}`}`);
  }
  return results;
}

async function loadAverage(): Promise<string> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  return text.split(" ").slice(0, 3).join(" ");
}

async function main(): Promise<number> {
  const options = parseLabOptions(Deno.args);
  const support = await labSupport();
  if (!support.ok) {
    console.error(`Cannot run the fault lab: ${support.reason}`);
    return 2;
  }
  const cleanUp = async () => {
    await removeOwnNamespaces();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", cleanUp);
  Deno.addSignalListener("SIGTERM", cleanUp);
  const loadBefore = await loadAverage();
  let results: ScenarioResult[];
  try {
    results = await runFaultLab(options);
  } finally {
    await removeOwnNamespaces();
    Deno.removeSignalListener("SIGINT", cleanUp);
    Deno.removeSignalListener("SIGTERM", cleanUp);
  }
  if (options.json) console.log(JSON.stringify(results, null, 2));
  else console.log(resultsMarkdown(results));
  if (options.writeDoc) {
    const serfSays = (await runCommand(["/usr/bin/serf", "version"])).out.split("\n")[0]!.trim();
    const debian = (await runCommand(["dpkg-query", "-W", "-f=${Version}", "serf"])).out.trim();
    // Debian's serf 0.9.4 prints "0.8.2-dev": name the package version too.
    const serfVersion = debian ? `Debian's serf ${debian} (\`serf version\`: ${serfSays})` : serfSays;
    const serftsVersion = (await runCommand([defaultAgentBinaries().serfts, "version"])).out.split("\n")[0]!
      .trim();
    const section = faultLabSection(results, {
      date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
      serfVersion,
      serftsVersion,
      loadBefore,
      loadAfter: await loadAverage(),
      cores: navigator.hardwareConcurrency,
    });
    const path = `${root}docs/reliability.md`;
    const doc = await Deno.readTextFile(path).catch(() => "# Reliability\n");
    await Deno.writeTextFile(path, replaceSection(doc, section));
    // The project's formatter aligns the tables, so `deno fmt --check` stays clean.
    await runCommand([Deno.execPath(), "fmt", `--config=${root}deno.json`, path]);
    console.error(`[faults] wrote the "## Fault lab" section of ${path}`);
  }
  return results.every((r) => r.runs.every((run) => run.passed)) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
