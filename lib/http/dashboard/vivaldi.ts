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
