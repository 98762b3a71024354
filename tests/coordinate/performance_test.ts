/**
 * The accuracy scenarios of Serf's coordinate/performance_test.go, run through
 * our client: same layouts, node counts, cycle counts and configuration.
 *
 * Upstream runs each scenario once with Go's RNG seeded to 1 and asserts
 * bounds fitted to that one run. Our RNG differs, so we run several seeds and
 * judge the median. Go's own median over seeds sits above its seed-1 bounds
 * for some scenarios (`coordbench scenarios 21` from
 * scripts/bench/coordinate_go prints the figures quoted in GO_MEDIAN below),
 * so each bound is Go's published one with a 1.5x allowance: a faithful port
 * lands near Go's medians, a wrong one misses by multiples.
 */
import assert from "node:assert/strict";
import type { CoordinateClient } from "../../lib/coordinate/client.ts";
import type { CoordinateConfig } from "../../lib/coordinate/config.ts";
import { magnitude } from "../../lib/coordinate/coordinate.ts";
import {
  evaluate,
  type EvaluationStats,
  generateCircle,
  generateClients,
  generateGrid,
  generateLine,
  generateRandom,
  generateSplit,
  simulate,
  type TruthMatrix,
} from "../../lib/coordinate/phantom.ts";
import { SeededRandom } from "../../lib/util/random.ts";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const CYCLES = 1000; // as upstream
const SLACK = 1.5;

/** Medians over Go seeds 1..21 of Serf 0.9.4's own client (for the failure messages). */
const GO_MEDIAN = {
  line: { errorAvg: 0.00214, errorMax: 0.0104 },
  grid: { errorAvg: 0.00152, errorMax: 0.0129 },
  split: { errorAvg: 0.0000566, errorMax: 0.000358 },
  height: { errorAvg: 0.00329, errorMax: 0.0565, centerHeight: 0.1009, maxOtherHeight: 0.00307 },
  drift: { ratio: 0.775 },
  random: { errorAvg: 0.0508, errorMax: 0.264 },
};

function median(values: number[]): number {
  return values.slice().sort((a, b) => a - b)[values.length >> 1]!;
}

function run(
  nodes: number,
  config: Partial<CoordinateConfig>,
  truthFor: (seed: number) => TruthMatrix,
  seed: number,
): { clients: CoordinateClient[]; stats: EvaluationStats } {
  const rng = new SeededRandom(seed);
  const truth = truthFor(seed);
  const clients = generateClients(nodes, config, rng);
  simulate(clients, truth, CYCLES, rng);
  return { clients, stats: evaluate(clients, truth) };
}

function checkStats(
  name: keyof typeof GO_MEDIAN,
  runs: EvaluationStats[],
  goBound: { errorAvg: number; errorMax: number },
): void {
  for (const field of ["errorAvg", "errorMax"] as const) {
    const ours = median(runs.map((s) => s[field]));
    const go = (GO_MEDIAN[name] as Record<string, number>)[field];
    assert.ok(
      ours <= goBound[field] * SLACK,
      `${name} ${field}: our median ${ours.toFixed(6)} exceeds ${SLACK} x Go's bound ${
        goBound[field]
      } (Go's median ${go})`,
    );
  }
}

function scenario(
  name: keyof typeof GO_MEDIAN,
  nodes: number,
  truthFor: (seed: number) => TruthMatrix,
  goBound: { errorAvg: number; errorMax: number },
): void {
  Deno.test(`Vivaldi performance matches Serf's: ${name}`, () => {
    checkStats(name, SEEDS.map((seed) => run(nodes, {}, truthFor, seed).stats), goBound);
  });
}

scenario("line", 10, () => generateLine(10, 10), { errorAvg: 0.0018, errorMax: 0.0092 });
scenario("grid", 25, () => generateGrid(25, 10), { errorAvg: 0.0015, errorMax: 0.022 });
scenario("split", 25, () => generateSplit(25, 1, 10), { errorAvg: 0.000060, errorMax: 0.00048 });
scenario(
  "random",
  25,
  (seed) => generateRandom(25, 100, 10, new SeededRandom(seed * 7919)),
  { errorAvg: 0.075, errorMax: 0.33 },
);

Deno.test("Vivaldi performance matches Serf's: height puts the equidistant node above a 2-D circle", () => {
  const radius = 0.1; // seconds, as coordinates are
  const runs = SEEDS.map((seed) =>
    run(25, { dimensionality: 2 }, () => generateCircle(25, radius * 1000), seed)
  );
  const heights = runs.map(({ clients }) => clients.map((c) => c.getCoordinate().height));
  const center = median(heights.map((h) => h[0]!));
  const others = median(heights.map((h) => Math.max(...h.slice(1))));
  // Upstream: node 0 at least 0.97 radius high, every other node at most 0.03 radius.
  assert.ok(
    center >= 0.97 * radius,
    `center height ${center} (Go's median ${GO_MEDIAN.height.centerHeight})`,
  );
  assert.ok(
    others <= 0.03 * radius * SLACK,
    `highest other node ${others} (Go's median ${GO_MEDIAN.height.maxOtherHeight})`,
  );
  checkStats("height", runs.map((r) => r.stats), { errorAvg: 0.0025, errorMax: 0.064 });
});

Deno.test("Vivaldi performance matches Serf's: gravity pulls a drifting square toward the origin", () => {
  const side = 0.5; // seconds
  const corners = [[0, 0], [0, side], [side, side], [side, side]];
  // Opposite corners 0 and 2 are a diagonal apart; every other pair one side apart.
  const truth = corners.map((_, i) =>
    corners.map((_, j) => i === j ? 0 : (i % 2 === 0 && j % 2 === 0 ? Math.SQRT2 : 1) * side * 1000)
  );
  const ratios = SEEDS.map((seed) => {
    const rng = new SeededRandom(seed);
    const clients = generateClients(4, { dimensionality: 2 }, rng);
    clients.forEach((c, i) => c.setCoordinate({ ...c.getCoordinate(), vec: corners[i]! }));
    const centerError = () => {
      const vecs = clients.map((c) => c.getCoordinate().vec);
      const mid = [0, 1].map((d) => {
        const xs = vecs.map((v) => v[d]!);
        const lo = Math.min(...xs);
        return lo + (Math.max(...xs) - lo) / 2;
      });
      return magnitude(mid);
    };
    simulate(clients, truth, 1000, rng);
    const baseline = centerError();
    simulate(clients, truth, 10_000, rng);
    return centerError() / baseline;
  });
  // Upstream: the centre's distance from the origin shrinks to at most 0.8 of the baseline.
  const ratio = median(ratios);
  assert.ok(ratio <= 0.8, `centre error ratio ${ratio} (Go's median ${GO_MEDIAN.drift.ratio})`);
});
