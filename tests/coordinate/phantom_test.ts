import assert from "node:assert/strict";
import {
  evaluate,
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

function assertSymmetricWithZeroDiagonal(truth: TruthMatrix): void {
  truth.forEach((row, i) => {
    assert.equal(row.length, truth.length);
    assert.equal(row[i], 0);
    row.forEach((x, j) => assert.equal(x, truth[j]![i]));
  });
}

Deno.test("phantom truth matrices are symmetric with a zero diagonal", () => {
  for (
    const truth of [
      generateLine(7, 10),
      generateGrid(9, 10),
      generateSplit(8, 1, 10),
      generateCircle(6, 100),
      generateRandom(6, 100, 10, new SeededRandom(1)),
    ]
  ) assertSymmetricWithZeroDiagonal(truth);
});

Deno.test("phantom layouts match phantom.go's geometry", () => {
  assert.equal(generateLine(10, 10)[2]![9], 70);
  // 3x3 grid: node 0 at (0,0), node 8 at (2,2).
  assert.ok(Math.abs(generateGrid(9, 10)[0]![8]! - Math.sqrt(8) * 10) < 1e-12);
  // Split at floor(n/2) inclusive on the first side, as upstream: nodes 0..12 and 13..24.
  const split = generateSplit(25, 1, 10);
  assert.equal(split[0]![12], 1);
  assert.equal(split[12]![13], 11);
  assert.equal(split[13]![24], 1);
  const circle = generateCircle(25, 100);
  assert.ok(circle[0]!.slice(1).every((x) => x === 200));
  // Opposite-ish points on the unit circle are about a diameter apart.
  assert.ok(Math.abs(circle[1]![13]! - 2 * 100 * Math.sin(Math.PI * 12 / 25)) < 1e-9);
});

Deno.test("generateRandom draws normal round trips with the requested mean and deviation", () => {
  const truth = generateRandom(60, 100, 10, new SeededRandom(9));
  const values = truth.flatMap((row, i) => row.slice(i + 1));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean - 100) < 1, `mean ${mean}`);
  assert.ok(Math.abs(sd - 10) < 1, `deviation ${sd}`);
  assert.deepEqual(
    generateRandom(5, 100, 10, new SeededRandom(9)),
    generateRandom(5, 100, 10, new SeededRandom(9)),
  );
});

Deno.test("simulate replays exactly from a seed and evaluate reports the relative error", () => {
  const once = () => {
    const rng = new SeededRandom(11);
    const clients = generateClients(6, {}, rng);
    const truth = generateLine(6, 10);
    simulate(clients, truth, 300, rng);
    return { coords: clients.map((c) => c.getCoordinate()), stats: evaluate(clients, truth) };
  };
  const a = once();
  assert.deepEqual(a, once());
  assert.ok(a.stats.errorAvg < 0.02 && a.stats.errorMax >= a.stats.errorAvg);
});

Deno.test("simulate rejects a truth matrix with impossible round trips", () => {
  const rng = new SeededRandom(1);
  const clients = generateClients(2, {}, rng);
  assert.throws(() => simulate(clients, [[0, 20_000], [20_000, 0]], 10, rng), RangeError);
});
