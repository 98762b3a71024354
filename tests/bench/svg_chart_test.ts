import assert from "node:assert/strict";
import { barChart, lineChart } from "../../scripts/bench/svg_chart.ts";

Deno.test("lineChart: one polyline per series, a point per finite value, gaps for NaN", () => {
  const svg = lineChart({
    title: "convergence <ms>",
    xLabel: "agents",
    yLabel: "ms",
    xs: [8, 16, 32],
    series: [{ name: "serf", values: [100, 200, 400] }, { name: "serfts", values: [120, NaN, 380] }],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.equal(svg.match(/<circle/g)?.length, 5);
  assert.match(svg, /convergence &lt;ms&gt;/);
  assert.doesNotMatch(svg, /NaN/);
});

Deno.test("barChart: a bar per finite value", () => {
  const svg = barChart({
    title: "rtt",
    yLabel: "ms",
    groups: ["serf", "serfts", "ping"],
    series: [{ name: "median", values: [1.1, NaN, 0.05] }],
  });
  assert.equal(svg.match(/<rect x="\d/g)?.length, 2 + 1); // two bars and the legend swatch
  assert.doesNotMatch(svg, /NaN/);
});
