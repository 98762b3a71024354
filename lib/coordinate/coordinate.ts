/**
 * Network coordinates and the geometry Vivaldi needs (Dabek et al., SIGCOMM
 * 2004): a point in Euclidean space plus a height for the access link, an
 * error estimate, and an adjustment term (Lee et al., 2010). All distances are
 * in seconds, as Serf puts them on the wire.
 *
 * These are plain functions on plain objects: a coordinate received from a peer
 * is data, and {@linkcode isValidCoordinate} is how to vet it before use.
 *
 * @module
 */

import { type Random, systemRandom } from "../util/random.ts";
import type { CoordinateConfig } from "./config.ts";

/**
 * A node's estimated position. Field units follow Serf's wire format: `vec`,
 * `adjustment` and `height` in seconds, `error` dimensionless.
 *
 * @example A new node starts at the origin, unsure of its position
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Coordinate, CoordinateClient, distanceTo } from "../../mod.ts";
 *
 * const here: Coordinate = new CoordinateClient({ dimensionality: 2 }).getCoordinate();
 * assert.deepEqual(here.vec, [0, 0]);
 * assert.equal(here.error, 1.5); // vivaldiErrorMax
 * const there: Coordinate = { vec: [0.003, 0.004], error: 0.5, adjustment: 0, height: here.height };
 * assert.ok(Math.abs(distanceTo(here, there) - (0.005 + 2 * here.height)) < 1e-12);
 * ```
 */
export interface Coordinate {
  /** Euclidean part, in seconds, one entry per dimension. */
  vec: number[];
  /** Confidence in this position (lower is better); updated by Vivaldi. */
  error: number;
  /** Offset averaged over recent observations of all peers, in seconds (Lee et al.). */
  adjustment: number;
  /** Non-Euclidean access-link delay, in seconds; never below `heightMin`. */
  height: number;
}

/**
 * Two coordinates closer than this (in seconds) are treated as the same point:
 * the direction between them is then meaningless.
 */
export const ZERO_THRESHOLD = 1e-6;

/**
 * Thrown when two coordinates of different dimensionality meet, which means a
 * peer runs with a different `dimensionality` setting. Serf rejects such a
 * peer's coordinate and carries on.
 *
 * @example
 * ```ts
 * import { DimensionalityConflictError, distanceTo } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * const a = { vec: [0, 0], error: 1.5, adjustment: 0, height: 0 };
 * const b = { vec: [0, 0, 0], error: 1.5, adjustment: 0, height: 0 };
 * assert.throws(() => distanceTo(a, b), DimensionalityConflictError);
 * ```
 */
export class DimensionalityConflictError extends Error {
  override name = "DimensionalityConflictError";
  /** Dimensionality of the local coordinate. */
  readonly expected: number;
  /** Dimensionality of the other coordinate. */
  readonly actual: number;
  constructor(expected: number, actual: number, options?: ErrorOptions) {
    super(`Coordinate dimensionality does not match: expected ${expected}, got ${actual}`, options);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A coordinate at the origin with the largest error, where every node starts.
 *
 * @example
 * ```ts
 * import { newCoordinate } from "./coordinate.ts";
 * import { defaultCoordinateConfig } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const c = newCoordinate(defaultCoordinateConfig());
 * assert.deepEqual(c, { vec: [0, 0, 0, 0, 0, 0, 0, 0], error: 1.5, adjustment: 0, height: 10e-6 });
 * ```
 */
export function newCoordinate(
  config: Pick<CoordinateConfig, "dimensionality" | "vivaldiErrorMax" | "heightMin">,
): Coordinate {
  return {
    vec: new Array<number>(config.dimensionality).fill(0),
    error: config.vivaldiErrorMax,
    adjustment: 0,
    height: config.heightMin,
  };
}

/**
 * An independent copy: coordinates are handed out by value so callers cannot
 * disturb a client's state.
 *
 * @example
 * ```ts
 * import { cloneCoordinate } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * const a = { vec: [1, 2], error: 0.5, adjustment: 0, height: 0.001 };
 * const b = cloneCoordinate(a);
 * b.vec[0] = 9;
 * assert.equal(a.vec[0], 1);
 * ```
 */
export function cloneCoordinate(c: Coordinate): Coordinate {
  return { vec: c.vec.slice(), error: c.error, adjustment: c.adjustment, height: c.height };
}

/**
 * True when every component is a finite number (no NaN, no infinity, no
 * non-number from a malformed message).
 *
 * @example
 * ```ts
 * import { isValidCoordinate } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isValidCoordinate({ vec: [0.01], error: 1, adjustment: 0, height: 0 }));
 * assert.ok(!isValidCoordinate({ vec: [NaN], error: 1, adjustment: 0, height: 0 }));
 * ```
 */
export function isValidCoordinate(c: Coordinate): boolean {
  if (!Array.isArray(c.vec)) return false;
  for (const x of c.vec) if (!Number.isFinite(x)) return false;
  return Number.isFinite(c.error) && Number.isFinite(c.adjustment) && Number.isFinite(c.height);
}

/**
 * True when both coordinates have the same dimensionality, so distances and
 * forces between them are defined.
 *
 * @example
 * ```ts
 * import { isCompatible } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * const c = (n: number) => ({ vec: new Array(n).fill(0), error: 1, adjustment: 0, height: 0 });
 * assert.ok(isCompatible(c(3), c(3)));
 * assert.ok(!isCompatible(c(3), c(2)));
 * ```
 */
export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.vec.length === b.vec.length;
}

function assertCompatible(a: Coordinate, b: Coordinate): void {
  if (!isCompatible(a, b)) throw new DimensionalityConflictError(a.vec.length, b.vec.length);
}

/**
 * Moves `c` by `force` seconds along the line from `other` to `c` (a positive
 * force pushes away from `other`, a negative one pulls toward it) and scales
 * the height in proportion, as in Vivaldi's height model (Dabek et al.,
 * section 5.4). Returns a new coordinate; `c` is untouched.
 *
 * @param config supplies `heightMin`, the floor for the new height.
 * @param rng picks a random direction when the two points coincide.
 * @throws {DimensionalityConflictError} when the dimensionalities differ.
 *
 * @example
 * ```ts
 * import { applyForce } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * const origin = { vec: [0, 0, 0], error: 1.5, adjustment: 0, height: 0 };
 * const above = { vec: [0, 0, 2.9], error: 1.5, adjustment: 0, height: 0 };
 * assert.deepEqual(applyForce({ heightMin: 0 }, origin, 5.3, above).vec, [0, 0, -5.3]);
 * ```
 */
export function applyForce(
  config: Pick<CoordinateConfig, "heightMin">,
  c: Coordinate,
  force: number,
  other: Coordinate,
  rng: Random = systemRandom,
): Coordinate {
  assertCompatible(c, other);
  const { unit, distance } = unitVectorAt(c.vec, other.vec, rng);
  // c.vec + force * unit, in one pass: this runs twice per observation.
  const vec = new Array<number>(unit.length);
  for (let i = 0; i < unit.length; i++) vec[i] = c.vec[i]! + unit[i]! * force;
  // Only a real separation says how much of the error belongs to the heights.
  const height = distance > ZERO_THRESHOLD
    ? Math.max((c.height + other.height) * force / distance + c.height, config.heightMin)
    : c.height;
  return { vec, error: c.error, adjustment: c.adjustment, height };
}

/**
 * Estimated round-trip time between two coordinates, in seconds: the
 * Euclidean distance plus both heights, plus both adjustments when that sum is
 * positive (a negative adjustment may shrink, but never invert, the estimate).
 *
 * @throws {DimensionalityConflictError} when the dimensionalities differ.
 *
 * @example
 * ```ts
 * import { distanceTo } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * const a = { vec: [0, 0], error: 1, adjustment: 0.001, height: 0.002 };
 * const b = { vec: [0.03, 0.04], error: 1, adjustment: 0.001, height: 0.002 };
 * assert.ok(Math.abs(distanceTo(a, b) - 0.056) < 1e-12);
 * ```
 */
export function distanceTo(a: Coordinate, b: Coordinate): number {
  assertCompatible(a, b);
  const raw = rawDistanceTo(a, b);
  const adjusted = raw + a.adjustment + b.adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/**
 * Vivaldi distance in seconds without the adjustment terms: Euclidean distance
 * plus both heights. The adjustment is learned from this raw value, so it must
 * not feed back into it.
 *
 * @throws {DimensionalityConflictError} when the dimensionalities differ.
 *
 * @example
 * ```ts
 * import { rawDistanceTo } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * const a = { vec: [0, 0], error: 1, adjustment: 5, height: 0.002 };
 * const b = { vec: [0.03, 0.04], error: 1, adjustment: 5, height: 0.002 };
 * assert.ok(Math.abs(rawDistanceTo(a, b) - 0.054) < 1e-12);
 * ```
 */
export function rawDistanceTo(a: Coordinate, b: Coordinate): number {
  assertCompatible(a, b);
  // magnitude(diff(a.vec, b.vec)) without the temporary array.
  let sum = 0;
  for (let i = 0; i < a.vec.length; i++) {
    const d = a.vec[i]! - b.vec[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum) + a.height + b.height;
}

/**
 * Component-wise sum. The caller ensures equal lengths.
 *
 * @example
 * ```ts
 * import { add } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(add([1, -3, 3], [-4, 5, 6]), [-3, 2, 9]);
 * ```
 */
export function add(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x + b[i]!);
}

/**
 * Component-wise difference `a - b`. The caller ensures equal lengths.
 *
 * @example
 * ```ts
 * import { diff } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(diff([1, -3, 3], [-4, 5, 6]), [5, -8, -3]);
 * ```
 */
export function diff(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x - b[i]!);
}

/**
 * Scales a vector by `factor`.
 *
 * @example
 * ```ts
 * import { mul } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mul([1, -2], 3), [3, -6]);
 * ```
 */
export function mul(v: readonly number[], factor: number): number[] {
  return v.map((x) => x * factor);
}

/**
 * Euclidean length of a vector.
 *
 * @example
 * ```ts
 * import { magnitude } from "./coordinate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(magnitude([3, -4]), 5);
 * ```
 */
export function magnitude(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

/**
 * The unit vector pointing from `to` toward `from`, and the distance between
 * them. When the points coincide there is no direction, so a random one is
 * drawn from `rng` (this is how nodes that all start at the origin spread out)
 * and the distance is reported as 0; if even that lands on zero, the first
 * axis is used.
 *
 * @example
 * ```ts
 * import { magnitude, unitVectorAt } from "./coordinate.ts";
 * import { SeededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(unitVectorAt([1, 4], [1, 0]), { unit: [0, 1], distance: 4 });
 * const random = unitVectorAt([1, 1], [1, 1], new SeededRandom(7));
 * assert.ok(Math.abs(magnitude(random.unit) - 1) < 1e-12 && random.distance === 0);
 * ```
 */
export function unitVectorAt(
  from: readonly number[],
  to: readonly number[],
  rng: Random = systemRandom,
): { unit: number[]; distance: number } {
  const d = diff(from, to);
  const distance = magnitude(d);
  if (distance > ZERO_THRESHOLD) {
    const scale = 1 / distance;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * scale;
    return { unit: d, distance };
  }

  const random = d.map(() => rng.next() - 0.5);
  const length = magnitude(random);
  if (length > ZERO_THRESHOLD) return { unit: mul(random, 1 / length), distance: 0 };

  const axis = new Array<number>(d.length).fill(0);
  axis[0] = 1;
  return { unit: axis, distance: 0 };
}
