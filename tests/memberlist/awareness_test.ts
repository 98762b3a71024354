import assert from "node:assert/strict";
import { Awareness } from "../../lib/memberlist/awareness.ts";

Deno.test("Awareness starts healthy and leaves timeouts unchanged", () => {
  const a = new Awareness(8);
  assert.equal(a.healthScore, 0);
  assert.equal(a.scaleTimeout(500), 500);
});

Deno.test("Awareness clamps its score to [0, max - 1]", () => {
  // Steps from memberlist's awareness_test.go: delta, then score and scaled 1 s timeout.
  const steps: [number, number, number][] = [
    [0, 0, 1_000],
    [-1, 0, 1_000],
    [-10, 0, 1_000],
    [1, 1, 2_000],
    [-1, 0, 1_000],
    [10, 7, 8_000],
    [-1, 6, 7_000],
    [-1, 5, 6_000],
    [-1, 4, 5_000],
    [-1, 3, 4_000],
    [-1, 2, 3_000],
    [-1, 1, 2_000],
    [-1, 0, 1_000],
    [-1, 0, 1_000],
  ];
  const a = new Awareness(8);
  for (const [i, [delta, score, timeout]] of steps.entries()) {
    assert.equal(a.applyDelta(delta), score, `step ${i}`);
    assert.equal(a.healthScore, score);
    assert.equal(a.scaleTimeout(1_000), timeout);
  }
});

Deno.test("Awareness scales timeouts by score + 1", () => {
  const a = new Awareness(8);
  a.applyDelta(3);
  assert.equal(a.scaleTimeout(500), 2000);
  a.applyDelta(100);
  assert.equal(a.scaleTimeout(500), 4000, "at most max times the timeout");
});

Deno.test("Awareness with max 1 never leaves the healthy score", () => {
  const a = new Awareness(1);
  assert.equal(a.applyDelta(5), 0);
  assert.equal(a.scaleTimeout(250), 250);
});

Deno.test("Awareness rejects a max that is not a positive integer", () => {
  for (const max of [0, -3, 2.5, Number.NaN]) {
    assert.throws(() => new Awareness(max), {
      name: "RangeError",
      message: `Cannot create awareness as 'max' must be a positive integer: current value is ${max}`,
    });
  }
});
