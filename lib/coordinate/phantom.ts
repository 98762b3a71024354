/**
 * A phantom network for exercising the coordinate client without a cluster:
 * "truth" matrices of round-trip times for known layouts, a simulation that
 * lets every client observe random peers, and an evaluation of how well the
 * resulting coordinates predict the truth. Serf keeps the same tools as
 * ordinary package code (phantom.go) so tests and benchmarks share them.
 *
 * Matrices are square, symmetric, in milliseconds, with a zero diagonal.
 *
 * @module
 */

import { type Random, randomInt } from "../util/random.ts";
import { CoordinateClient } from "./client.ts";
import type { CoordinateConfig } from "./config.ts";

/** Round-trip times in milliseconds: `truth[i][j]` between nodes i and j. */
export type TruthMatrix = number[][];

/** How far the coordinates' estimates are from the truth, as relative errors. */
export interface EvaluationStats {
  /** Mean of |estimate - truth| / truth over all pairs. */
  errorAvg: number;
  /** Largest relative error over all pairs. */
  errorMax: number;
}

/**
 * `nodes` fresh clients at the origin sharing one configuration and one RNG
 * (share the simulation's RNG too, to replay a run exactly from one seed).
 *
 * @example
 * ```ts
 * import { generateClients } from "./phantom.ts";
 * import { SeededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(generateClients(4, {}, new SeededRandom(1)).length, 4);
 * ```
 */
export function generateClients(
  nodes: number,
  config: Partial<CoordinateConfig>,
  rng: Random,
): CoordinateClient[] {
  return Array.from({ length: nodes }, () => new CoordinateClient(config, rng));
}

function symmetric(nodes: number, rtt: (i: number, j: number) => number): TruthMatrix {
  const truth = Array.from({ length: nodes }, () => new Array<number>(nodes).fill(0));
  for (let i = 0; i < nodes; i++) {
    for (let j = i + 1; j < nodes; j++) {
      const value = rtt(i, j);
      truth[i]![j] = value;
      truth[j]![i] = value;
    }
  }
  return truth;
}

/**
 * Nodes on a straight line, `spacingMs` apart: representable exactly in one
 * dimension.
 *
 * @example
 * ```ts
 * import { generateLine } from "./phantom.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(generateLine(3, 10), [[0, 10, 20], [10, 0, 10], [20, 10, 0]]);
 * ```
 */
export function generateLine(nodes: number, spacingMs: number): TruthMatrix {
  return symmetric(nodes, (i, j) => (j - i) * spacingMs);
}

/**
 * Nodes on a square grid `floor(sqrt(nodes))` wide, `spacingMs` apart:
 * representable exactly in two dimensions.
 *
 * @example
 * ```ts
 * import { generateGrid } from "./phantom.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(generateGrid(4, 10)[0]![3], Math.SQRT2 * 10);
 * ```
 */
export function generateGrid(nodes: number, spacingMs: number): TruthMatrix {
  const n = Math.floor(Math.sqrt(nodes));
  return symmetric(nodes, (i, j) => {
    const dx = (j % n) - (i % n);
    const dy = Math.floor(j / n) - Math.floor(i / n);
    return Math.sqrt(dx * dx + dy * dy) * spacingMs;
  });
}

/**
 * Two sites: nodes 0..floor(nodes/2) on one side, the rest on the other.
 * Every pair is `lanMs` apart, plus `wanMs` when it crosses the split.
 *
 * @example
 * ```ts
 * import { generateSplit } from "./phantom.ts";
 * import assert from "node:assert/strict";
 *
 * const truth = generateSplit(4, 1, 10);
 * assert.equal(truth[0]![2], 1);
 * assert.equal(truth[0]![3], 11);
 * ```
 */
export function generateSplit(nodes: number, lanMs: number, wanMs: number): TruthMatrix {
  const split = Math.floor(nodes / 2);
  return symmetric(nodes, (i, j) => (i <= split) !== (j <= split) ? lanMs + wanMs : lanMs);
}

/**
 * Nodes 1..n-1 evenly spaced on a circle of radius `radiusMs`, and node 0
 * `2 * radiusMs` from all of them: it sits "above" the centre, so a good
 * embedding gives it a large height and the others almost none.
 *
 * @example
 * ```ts
 * import { generateCircle } from "./phantom.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(generateCircle(5, 100)[0]![3], 200);
 * ```
 */
export function generateCircle(nodes: number, radiusMs: number): TruthMatrix {
  return symmetric(nodes, (i, j) => {
    if (i === 0) return 2 * radiusMs;
    const t1 = 2 * Math.PI * i / nodes;
    const t2 = 2 * Math.PI * j / nodes;
    const dx = Math.cos(t2) - Math.cos(t1);
    const dy = Math.sin(t2) - Math.sin(t1);
    return Math.sqrt(dx * dx + dy * dy) * radiusMs;
  });
}

/**
 * Independent normally distributed round trips (mean `meanMs`, standard
 * deviation `deviationMs`): no Euclidean layout fits this, so it measures how
 * gracefully the embedding degrades. Deviates come from `rng` (Box-Muller).
 *
 * @example
 * ```ts
 * import { generateRandom } from "./phantom.ts";
 * import { SeededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const truth = generateRandom(10, 100, 10, new SeededRandom(1));
 * assert.ok(truth[1]![2]! > 50 && truth[1]![2]! < 150);
 * ```
 */
export function generateRandom(
  nodes: number,
  meanMs: number,
  deviationMs: number,
  rng: Random,
): TruthMatrix {
  return symmetric(nodes, () => normal(rng) * deviationMs + meanMs);
}

/** A standard normal deviate by the Box-Muller transform. */
function normal(rng: Random): number {
  const u = 1 - rng.next(); // (0, 1]: keeps the logarithm finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Runs `cycles` rounds in which every client picks a uniformly random node
 * (skipping the round when it picks itself) and observes the true round trip
 * to it, together with that node's current coordinate.
 *
 * @throws {RangeError} when a truth entry is not a valid round trip (see
 *   {@linkcode CoordinateClient.update}).
 *
 * @example
 * ```ts
 * import { evaluate, generateClients, generateLine, simulate } from "./phantom.ts";
 * import { SeededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const rng = new SeededRandom(1);
 * const clients = generateClients(5, {}, rng);
 * const truth = generateLine(5, 10);
 * simulate(clients, truth, 200, rng);
 * assert.ok(evaluate(clients, truth).errorAvg < 0.05);
 * ```
 */
export function simulate(clients: CoordinateClient[], truth: TruthMatrix, cycles: number, rng: Random): void {
  const nodes = clients.length;
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let i = 0; i < nodes; i++) {
      const j = randomInt(rng, nodes);
      if (j === i) continue;
      clients[i]!.update(`node_${j}`, clients[j]!.getCoordinate(), truth[i]![j]!);
    }
  }
}

/**
 * Compares every pair's estimate (from node i's client to node j's
 * coordinate) with the truth.
 *
 * @example
 * ```ts
 * import { evaluate, generateClients, generateLine } from "./phantom.ts";
 * import { SeededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * // Untrained clients predict almost nothing: relative errors near 1.
 * const stats = evaluate(generateClients(3, {}, new SeededRandom(1)), generateLine(3, 10));
 * assert.ok(stats.errorAvg > 0.99);
 * ```
 */
export function evaluate(clients: CoordinateClient[], truth: TruthMatrix): EvaluationStats {
  let errorAvg = 0;
  let errorMax = 0;
  let count = 0;
  for (let i = 0; i < clients.length; i++) {
    for (let j = i + 1; j < clients.length; j++) {
      const estimate = clients[i]!.distanceTo(clients[j]!.getCoordinate());
      const actual = truth[i]![j]!;
      const error = Math.abs(estimate - actual) / actual;
      errorMax = Math.max(errorMax, error);
      errorAvg += error;
      count++;
    }
  }
  return { errorAvg: count > 0 ? errorAvg / count : 0, errorMax };
}
