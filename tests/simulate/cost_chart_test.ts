import assert from "node:assert/strict";
import { costChart, costSeriesFromJson } from "../../scripts/simulate/cost_chart.ts";

Deno.test("costChart draws CPU and queue depths per simulated second from the JSON summary", () => {
  const series = costSeriesFromJson({
    nodes: 3,
    cpu_s_by_second: [0.5, 2, 1],
    memberlist_queued_by_second: [10, 40, 0],
    intent_queued_by_second: [5, 7, 1],
  });
  assert.deepEqual(series.cpuS, [0.5, 2, 1]);
  const svg = costChart(series);
  assert.match(svg, /^<svg[\s\S]*<\/svg>\n$/);
  assert.equal(svg.match(/<polyline/g)?.length, 3);
  assert.match(svg, /CPU 2\.0 s\/s; queued 40 \+ 7/);
});

Deno.test("costSeriesFromJson says what to do when the summary has no per-second series", () => {
  assert.throws(() => costSeriesFromJson({ nodes: 3 }), /cpu_s_by_second' is missing .*--json/);
});
