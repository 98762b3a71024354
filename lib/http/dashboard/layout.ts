/**
 * Where each node sits on the map and in which order the heatmap lists them,
 * computed once per coordinate update and shared by both views: ordering the
 * heatmap by the map's first axis puts nearby nodes next to each other, so
 * groups show up as blocks.
 *
 * @module
 */
import { projectTo2d } from "./projection.ts";
import type { DashboardState } from "./state.ts";

/** Nodes with coordinates, their map positions (seconds), and the heatmap order. */
export interface ClusterLayout {
  /** Node names, in the same order as `points`. */
  names: string[];
  points: Array<[number, number]>;
  /** Indexes into `names`, sorted by the first axis (then by name). */
  order: number[];
  /** `coordinatesVersion` this layout was computed from. */
  version: number;
}

/**
 * Lays out every node that has a coordinate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeLayout } from "./layout.ts";
 * import { DashboardState } from "./state.ts";
 *
 * const s = new DashboardState();
 * s.setCoordinates([
 *   { Node: "b", Coord: { Vec: [0.002, 0], Error: 1, Adjustment: 0, Height: 0 } },
 *   { Node: "a", Coord: { Vec: [0, 0], Error: 1, Adjustment: 0, Height: 0 } },
 * ]);
 * const layout = computeLayout(s);
 * assert.deepEqual(layout.names, ["a", "b"]);
 * assert.equal(layout.points.length, 2);
 * ```
 */
export function computeLayout(state: DashboardState): ClusterLayout {
  const names = [...state.coordinates.keys()].sort();
  const points = projectTo2d(names.map((n) => state.coordinates.get(n)!.Vec));
  const order = names.map((_, i) => i).sort((a, b) => points[a]![0] - points[b]![0] || a - b);
  return { names, points, order, version: state.coordinatesVersion };
}
