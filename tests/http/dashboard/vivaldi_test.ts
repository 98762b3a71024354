import assert from "node:assert/strict";
import fc from "fast-check";
import { distanceTo } from "../../../lib/coordinate/coordinate.ts";
import { formatRtt, rttMatrix, rttSeconds } from "../../../lib/http/dashboard/vivaldi.ts";

const seconds = fc.double({ min: -0.5, max: 0.5, noNaN: true });
const coordinate = fc.record({
  vec: fc.array(seconds, { minLength: 8, maxLength: 8 }),
  error: fc.double({ min: 0, max: 1.5, noNaN: true }),
  adjustment: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
  height: fc.double({ min: 1e-5, max: 0.05, noNaN: true }),
});

Deno.test("rttSeconds in the browser agrees with the agent's Vivaldi distanceTo", () => {
  fc.assert(
    fc.property(coordinate, coordinate, (a, b) => {
      const wire = (c: typeof a) => ({
        Vec: c.vec,
        Error: c.error,
        Adjustment: c.adjustment,
        Height: c.height,
      });
      assert.equal(rttSeconds(wire(a), wire(b)), distanceTo(a, b));
    }),
    { numRuns: 500 },
  );
});

Deno.test("rttSeconds keeps the raw distance when the adjustments would make it negative", () => {
  const a = { Vec: [0.001], Error: 1, Adjustment: -0.01, Height: 0 };
  const b = { Vec: [0], Error: 1, Adjustment: -0.01, Height: 0 };
  assert.ok(Math.abs(rttSeconds(a, b)! - 0.001) < 1e-15);
});

Deno.test("rttSeconds answers undefined for coordinates of different dimensionality", () => {
  assert.equal(
    rttSeconds({ Vec: [0], Error: 1, Adjustment: 0, Height: 0 }, {
      Vec: [0, 0],
      Error: 1,
      Adjustment: 0,
      Height: 0,
    }),
    undefined,
  );
});

Deno.test("formatRtt prints milliseconds and a dash for unknown values", () => {
  assert.equal(formatRtt(0.0004), "0.400 ms");
  assert.equal(formatRtt(0.0123), "12.3 ms");
  assert.equal(formatRtt(NaN), "–");
});

Deno.test("rttMatrix equals rttSeconds for every pair, with NaN where no RTT is defined", () => {
  const c = (vec: number[], adjustment = 0, height = 0.0002) => ({
    Vec: vec,
    Error: 1,
    Adjustment: adjustment,
    Height: height,
  });
  const coords = [
    c([0, 0, 0]),
    c([0.01, -0.002, 0.004], 0.0003),
    c([-0.003, 0.02, 0.001], -0.05, 0.001),
    c([0.001, 0.001]),
    c([0.002, 0.005, -0.01], -0.0001),
  ];
  const m = rttMatrix(coords);
  for (let i = 0; i < coords.length; i++) {
    for (let j = 0; j < coords.length; j++) {
      const want = i === j ? undefined : rttSeconds(coords[i]!, coords[j]!);
      const got = m[i * coords.length + j]!;
      if (want === undefined) assert.ok(Number.isNaN(got), `${i},${j}`);
      else assert.equal(got, want, `${i},${j}`);
    }
  }
});
