/**
 * Draws where a run's CPU went against the cluster's queued broadcasts, per
 * simulated second, from the JSON line `deno task simulate --json` printed:
 * the join storm as a picture. Each curve is a share of its own peak (the
 * peaks are in the title), since CPU-seconds and queued messages share no
 * scale.
 *
 * Run: `deno run --allow-read --allow-write scripts/simulate/cost_chart.ts RUN.json OUT.svg`
 * (RUN.json: the simulator's output; its last JSON line is read).
 *
 * @module
 */
import { lineChart } from "../bench/svg_chart.ts";

/** The per-second series of a run's JSON summary. */
export interface CostSeries {
  nodes: number;
  cpuS: number[];
  memberlistQueued: number[];
  intentQueued: number[];
}

/** Reads the series from the JSON summary line. @throws {TypeError} when a series is missing */
export function costSeriesFromJson(summary: Record<string, unknown>): CostSeries {
  const list = (key: string): number[] => {
    const v = summary[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) {
      throw new TypeError(
        `Cannot draw the cost chart: '${key}' is missing from the summary (rerun with --json)`,
      );
    }
    return v;
  };
  return {
    nodes: Number(summary.nodes),
    cpuS: list("cpu_s_by_second"),
    memberlistQueued: list("memberlist_queued_by_second"),
    intentQueued: list("intent_queued_by_second"),
  };
}

/** The chart: three curves in percent of their own peaks over simulated seconds. */
export function costChart(c: CostSeries): string {
  const share = (xs: number[]) => {
    const peak = Math.max(...xs, Number.MIN_VALUE);
    return xs.map((x) => (x / peak) * 100);
  };
  const peak = (xs: number[]) => Math.max(0, ...xs);
  const seconds = c.cpuS.length;
  const step = Math.max(1, Math.ceil(seconds / 10));
  const ticks: number[] = [];
  for (let t = 0; t <= seconds; t += step) ticks.push(t);
  return lineChart({
    title: `${c.nodes} nodes (% of peak): CPU ${peak(c.cpuS).toFixed(1)} s/s; queued ` +
      `${peak(c.memberlistQueued)} + ${peak(c.intentQueued)}`,
    yLabel: "% of peak",
    xLabel: "simulated seconds",
    xs: c.cpuS.map((_, i) => i + 1),
    xTicks: ticks,
    markers: false,
    series: [
      { name: "CPU", values: share(c.cpuS) },
      { name: "memberlist q.", values: share(c.memberlistQueued) },
      { name: "Serf intents q.", values: share(c.intentQueued) },
    ],
  });
}

if (import.meta.main) {
  const [input, output] = Deno.args;
  if (!input || !output) {
    console.error(
      "Usage: deno run --allow-read --allow-write scripts/simulate/cost_chart.ts RUN.json OUT.svg",
    );
    Deno.exit(2);
  }
  // The summary is the last line that is a JSON object (a shell's `time` may follow it).
  const line = Deno.readTextFileSync(input).split("\n").findLast((l) => l.startsWith("{"));
  if (!line) {
    console.error(`No JSON summary in ${input}: run the simulation with --json`);
    Deno.exit(1);
  }
  Deno.writeTextFileSync(output, costChart(costSeriesFromJson(JSON.parse(line))));
}
