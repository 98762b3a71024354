/**
 * `deno task simulate`: the agent's own memberlist and Serf code on the
 * in-memory network and virtual time, at cluster sizes no test machine can
 * host, deterministic for a seed. See docs/simulation.md for the scenario,
 * what each number means and results.
 *
 * Run: `deno task simulate --nodes N --seconds S [--seed K] [--loss P]
 * [--latency MS] [--profile lan|wan|local] [--partition A/B@T1-T2]
 * [--restart P@T+D] [--chart FILE.svg] [--json] [--heap-snapshot FILE@T]`. With `--json` the last line
 * of output is one JSON object.
 *
 * @module
 */
import { parseSimulateOptions } from "./options.ts";
import { dissemination, formatReport, summaryJson } from "./report.ts";
import { simulate } from "./scenario.ts";
import { writeHeapSnapshot } from "node:v8";

if (import.meta.main) {
  let options;
  try {
    options = parseSimulateOptions(Deno.args);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(2);
  }
  // Progress on stderr every 5 simulated seconds, so stdout stays the report (and the JSON line last).
  const result = await simulate(options, {
    onSecond: (c) => {
      const snapshot = options.heapSnapshot;
      if (snapshot && c.t === snapshot.atS) {
        // What is live, not what awaits collection (`deno task simulate` exposes gc).
        (globalThis as { gc?: () => void }).gc?.();
        writeHeapSnapshot(snapshot.file);
        console.error(`  heap snapshot written to ${snapshot.file} at t=${c.t} s`);
      }
      if (c.t % 5 !== 0) return;
      console.error(
        `  t=${c.t} s: ${c.cpuS.toFixed(2)} CPU-s in the last second, ` +
          `${c.memberlistQueued} memberlist and ${c.intentQueued} intent broadcasts queued`,
      );
    },
  });
  console.log(formatReport(result));
  if (options.chart) {
    Deno.writeTextFileSync(options.chart, dissemination(result));
    console.log(`  chart written to ${options.chart}`);
  }
  if (options.json) console.log(JSON.stringify(summaryJson(result)));
}
