/**
 * Flattens Vivaldi's 8-D coordinates onto the plane for the cluster map: the
 * first two principal components of the `Vec` parts (PCA), found by power
 * iteration on the small d×d covariance matrix. That costs O(n·d²) for n nodes,
 * a few milliseconds at 500 members, where classical MDS on the RTT matrix
 * would cost O(n²) per iteration. Heights are left out: they are per-node
 * access delays, not positions, and the hover text shows the full RTT anyway.
 *
 * @module
 */

/** Defaults of {@linkcode projectTo2d}. */
export const DEFAULT_PROJECTION_OPTIONS: Readonly<ProjectionOptions> = {
  iterations: 100,
};

/** Options of {@linkcode projectTo2d}. */
export interface ProjectionOptions {
  /**
   * Power-iteration steps per component; the result is only drawn, so a rough
   * axis is fine, and the bound keeps a degenerate input from spinning.
   * @default {100}
   */
  iterations: number;
}

/**
 * Projects each vector onto the plane of the two directions along which the
 * points spread most, centred on their mean. All-equal points (a fresh
 * cluster) land at the origin. Vectors must share one length; shorter ones are
 * read as zero-padded.
 *
 * @example Points on a line stay on a line, spread along x
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectTo2d } from "./projection.ts";
 *
 * const points = projectTo2d([[0, 0, 0], [1, 1, 0], [2, 2, 0]]);
 * assert.ok(Math.abs(Math.abs(points[2]![0] - points[0]![0]) - 2 * Math.SQRT2) < 1e-6);
 * assert.ok(points.every(([, y]) => Math.abs(y) < 1e-6));
 * ```
 */
export function projectTo2d(
  vectors: readonly (readonly number[])[],
  options: Partial<ProjectionOptions> = {},
): Array<[number, number]> {
  const { iterations } = { ...DEFAULT_PROJECTION_OPTIONS, ...options };
  const n = vectors.length;
  const d = vectors.reduce((max, v) => Math.max(max, v.length), 0);
  if (n === 0) return [];
  const mean = new Float64Array(d);
  for (const v of vectors) for (let k = 0; k < d; k++) mean[k]! += (v[k] ?? 0) / n;
  const centred = vectors.map((v) => {
    const c = new Float64Array(d);
    for (let k = 0; k < d; k++) c[k] = (v[k] ?? 0) - mean[k]!;
    return c;
  });
  const cov = covariance(centred, d);
  const first = principalAxis(cov, d, iterations);
  deflate(cov, first.axis, first.value);
  const second = principalAxis(cov, d, iterations, first.axis);
  // What is left after deflation of a flat (e.g. collinear) cloud is rounding
  // noise; its "axis" would be arbitrary, so flat clouds stay flat.
  const secondAxis = second.value > first.value * 1e-9 ? second.axis : new Float64Array(d);
  return centred.map((c) => [dot(c, first.axis), dot(c, secondAxis)]);
}

function covariance(rows: readonly Float64Array[], d: number): Float64Array {
  const cov = new Float64Array(d * d);
  for (const r of rows) {
    for (let i = 0; i < d; i++) {
      const ri = r[i]!;
      if (ri === 0) continue;
      for (let j = 0; j < d; j++) cov[i * d + j]! += ri * r[j]!;
    }
  }
  return cov;
}

/**
 * Largest eigenpair of a symmetric matrix, kept orthogonal to `orthogonalTo`
 * when given; a zero axis when the matrix is zero.
 */
function principalAxis(
  m: Float64Array,
  d: number,
  iterations: number,
  orthogonalTo?: Float64Array,
): { axis: Float64Array; value: number } {
  // A fixed, non-symmetric start so the result is the same on every render
  // (a random start would make the map jump between polls).
  let v = new Float64Array(d);
  for (let k = 0; k < d; k++) v[k] = 1 + k / (d + 1);
  let value = 0;
  for (let it = 0; it < iterations; it++) {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += m[i * d + j]! * v[j]!;
      w[i] = s;
    }
    if (orthogonalTo) {
      const along = dot(w, orthogonalTo);
      for (let i = 0; i < d; i++) w[i]! -= along * orthogonalTo[i]!;
    }
    const norm = Math.sqrt(dot(w, w));
    if (norm < 1e-30) return { axis: new Float64Array(d), value: 0 };
    for (let i = 0; i < d; i++) w[i]! /= norm;
    const delta = Math.abs(norm - value);
    value = norm;
    v = w;
    if (delta <= 1e-12 * norm) break;
  }
  return { axis: v, value };
}

function deflate(m: Float64Array, axis: Float64Array, value: number): void {
  const d = axis.length;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j]! -= value * axis[i]! * axis[j]!;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
