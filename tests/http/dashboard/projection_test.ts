import assert from "node:assert/strict";
import { projectTo2d } from "../../../lib/http/dashboard/projection.ts";

function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(...a.map((x, i) => x - b[i]!));
}

Deno.test("projectTo2d keeps the distances of points that lie in a plane of the 8-D space", () => {
  // A plane spanned by two orthonormal directions, with distinct spreads so the axes are well defined.
  const u = [1, 1, 0, 0, 0, 0, 0, 0].map((x) => x / Math.SQRT2);
  const v = [0, 0, 1, -1, 0, 0, 0, 0].map((x) => x / Math.SQRT2);
  const planar: Array<[number, number]> = [[0, 0], [3, 0], [0, 1], [3, 1], [1.5, 0.5], [-1, 0.2]];
  const vectors = planar.map(([s, t]) => u.map((ui, k) => 0.01 + s * ui + t * v[k]!));
  const projected = projectTo2d(vectors);
  for (let i = 0; i < planar.length; i++) {
    for (let j = 0; j < planar.length; j++) {
      assert.ok(
        Math.abs(dist(projected[i]!, projected[j]!) - dist(planar[i]!, planar[j]!)) < 1e-6,
        `${i}-${j}`,
      );
    }
  }
});

Deno.test("projectTo2d puts identical points at the origin and handles an empty cluster", () => {
  assert.deepEqual(projectTo2d([]), []);
  assert.deepEqual(projectTo2d([[0.1, 0.2], [0.1, 0.2]]), [[0, 0], [0, 0]]);
});

Deno.test("projectTo2d is deterministic, so the map does not jump between polls", () => {
  const vectors = Array.from(
    { length: 50 },
    (_, i) => Array.from({ length: 8 }, (_, k) => Math.sin(i * 7 + k)),
  );
  assert.deepEqual(projectTo2d(vectors), projectTo2d(vectors));
});
