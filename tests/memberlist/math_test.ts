import assert from "node:assert/strict";
import {
  PUSH_PULL_SCALE_THRESHOLD,
  pushPullScale,
  randomOffset,
  retransmitLimit,
  suspicionTimeout,
} from "../../lib/memberlist/math.ts";
import { SeededRandom } from "../../lib/util/random.ts";

// Expected values were printed by a Go program using memberlist 0.2.2's
// formulas (float64 math.Log10/Log2), including the awkward sizes next to
// powers of ten and two where rounding could differ.

Deno.test("suspicionTimeout matches memberlist around powers of ten", () => {
  const cases: [number, number][] = [
    [0, 4_000],
    [1, 4_000],
    [10, 4_000],
    [11, 4_164],
    [99, 7_980],
    [100, 8_000],
    [101, 8_016],
    [999, 11_996],
    [1_000, 12_000],
    [1_001, 12_000],
    [100_000, 20_000],
  ];
  for (const [n, want] of cases) assert.equal(suspicionTimeout(4, n, 1_000), want, `n=${n}`);
});

Deno.test("suspicionTimeout truncates the node scale to thousandths before multiplying", () => {
  // log10(11) = 1.0413..., truncated to 1.041.
  assert.equal(suspicionTimeout(4, 11, 200), 832.8);
  assert.equal(suspicionTimeout(5, 11, 5_000), 26_025);
});

Deno.test("retransmitLimit grows by the multiplier at each power of ten", () => {
  const cases: [number, number][] = [
    [0, 0],
    [1, 4],
    [9, 4],
    [10, 8],
    [99, 8],
    [100, 12],
    [999, 12],
    [1_000, 16],
    [999_999, 24],
    [1_000_000, 28],
  ];
  for (const [n, want] of cases) assert.equal(retransmitLimit(4, n), want, `n=${n}`);
  assert.equal(retransmitLimit(3, 50), 6);
});

Deno.test("pushPullScale leaves small clusters alone and grows with log2 above 32 nodes", () => {
  assert.equal(PUSH_PULL_SCALE_THRESHOLD, 32);
  const cases: [number, number][] = [
    [0, 1],
    [32, 1],
    [33, 2],
    [64, 2],
    [65, 3],
    [99, 3],
    [128, 3],
    [129, 4],
    [999, 6],
    [1_000_000, 16],
  ];
  for (const [n, mult] of cases) assert.equal(pushPullScale(30_000, n), mult * 30_000, `n=${n}`);
});

Deno.test("randomOffset stays in range and is 0 for no choices", () => {
  const rng = new SeededRandom(42);
  assert.equal(randomOffset(rng, 0), 0);
  const seen = new Set<number>();
  for (let i = 0; i < 1_000; i++) {
    const x = randomOffset(rng, 7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
    seen.add(x);
  }
  assert.equal(seen.size, 7, "every offset is reachable");
});

Deno.test("randomOffset replays with the same seed", () => {
  const a = new SeededRandom(7), b = new SeededRandom(7);
  const run = (rng: SeededRandom) => Array.from({ length: 20 }, () => randomOffset(rng, 1_000));
  assert.deepEqual(run(a), run(b));
});
