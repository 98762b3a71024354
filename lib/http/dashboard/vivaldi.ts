/**
 * Vivaldi distance between two wire coordinates, computed in the browser so the
 * page can draw the RTT column, the map's hover and the heatmap from one
 * `/v1/coordinates` answer instead of N² `/v1/rtt` calls.
 *
 * It must agree with lib/coordinate/coordinate.ts `distanceTo` (Serf's
 * `DistanceTo`): Euclidean distance over `Vec` plus both heights, then both
 * adjustments added when that keeps the sum positive. A test compares them.
 * The browser bundle does not import lib/coordinate because that module speaks
 * the camel-case in-memory shape and brings the random-number helpers along.
 *
 * @module
 */
import type { ApiCoordinate } from "./types.ts";

/**
 * Estimated round-trip time from `a` to `b` in seconds, or undefined when the
 * two coordinates have different dimensionality (a misconfigured peer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rttSeconds } from "./vivaldi.ts";
 *
 * const a = { Vec: [0, 0], Error: 1, Adjustment: 0, Height: 0.001 };
 * const b = { Vec: [0.003, 0.004], Error: 1, Adjustment: 0, Height: 0.001 };
 * assert.ok(Math.abs(rttSeconds(a, b)! - 0.007) < 1e-12);
 * ```
 */
export function rttSeconds(a: ApiCoordinate, b: ApiCoordinate): number | undefined {
  if (a.Vec.length !== b.Vec.length) return undefined;
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) {
    const d = a.Vec[i]! - b.Vec[i]!;
    sum += d * d;
  }
  const raw = Math.sqrt(sum) + a.Height + b.Height;
  const adjusted = raw + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/**
 * The RTT as the page prints it: milliseconds with three significant decimals
 * below 10 ms, "–" when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRtt } from "./vivaldi.ts";
 *
 * assert.equal(formatRtt(0.00125), "1.250 ms");
 * assert.equal(formatRtt(0.25), "250.0 ms");
 * assert.equal(formatRtt(undefined), "–");
 * ```
 */
export function formatRtt(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "–";
  const ms = seconds * 1000;
  return `${ms < 10 ? ms.toFixed(3) : ms.toFixed(1)} ms`;
}

/**
 * Every pairwise RTT of `coords` in seconds, as a row-major n×n matrix (NaN on
 * the diagonal and for pairs of different dimensionality). Same formula as
 * {@linkcode rttSeconds}, on packed arrays: the heatmap needs 125 000 pairs
 * at 500 nodes, and walking one Float64Array is several times faster than
 * 125 000 calls on parsed JSON objects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rttMatrix, rttSeconds } from "./vivaldi.ts";
 *
 * const a = { Vec: [0, 0], Error: 1, Adjustment: 0.0001, Height: 0.001 };
 * const b = { Vec: [0.003, 0.004], Error: 1, Adjustment: 0, Height: 0.001 };
 * const m = rttMatrix([a, b]);
 * assert.equal(m[1], rttSeconds(a, b));
 * assert.ok(Number.isNaN(m[0]!));
 * ```
 */
export function rttMatrix(coords: readonly ApiCoordinate[]): Float64Array {
  const n = coords.length;
  const d = coords.reduce((max, c) => Math.max(max, c.Vec.length), 0);
  const vec = new Float64Array(n * d);
  const dims = new Int32Array(n);
  const height = new Float64Array(n);
  const adjustment = new Float64Array(n);
  coords.forEach((c, i) => {
    vec.set(c.Vec, i * d);
    dims[i] = c.Vec.length;
    height[i] = c.Height;
    adjustment[i] = c.Adjustment;
  });
  const out = new Float64Array(n * n).fill(NaN);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dims[i] !== dims[j]) continue;
      let sum = 0;
      for (let k = 0, oi = i * d, oj = j * d; k < d; k++) {
        const diff = vec[oi + k]! - vec[oj + k]!;
        sum += diff * diff;
      }
      const raw = Math.sqrt(sum) + height[i]! + height[j]!;
      const adjusted = raw + adjustment[i]! + adjustment[j]!;
      const v = adjusted > 0 ? adjusted : raw;
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}
