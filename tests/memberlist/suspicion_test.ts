import assert from "node:assert/strict";
import { VirtualClock } from "../../lib/util/clock.ts";
import { remainingSuspicionTime, Suspicion, type SuspicionOptions } from "../../lib/memberlist/suspicion.ts";

/** A suspicion on a virtual clock that records every timeout call. */
function start(overrides: Partial<SuspicionOptions> = {}) {
  const clock = new VirtualClock();
  const fired: number[] = [];
  const suspicion = new Suspicion({
    from: "origin",
    k: 3,
    minMs: 2_000,
    maxMs: 30_000,
    clock,
    onTimeout: (n) => fired.push(n),
    ...overrides,
  });
  return { clock, fired, suspicion };
}

Deno.test("remainingSuspicionTime follows memberlist's log curve between max and min", () => {
  // Cases from memberlist's suspicion_test.go (n, k, elapsed, min, max -> remaining).
  const cases: [number, number, number, number, number, number][] = [
    [0, 3, 0, 2_000, 30_000, 30_000],
    [1, 3, 2_000, 2_000, 30_000, 14_000],
    [2, 3, 3_000, 2_000, 30_000, 4_810],
    [3, 3, 4_000, 2_000, 30_000, -2_000],
    [4, 3, 5_000, 2_000, 30_000, -3_000],
    [5, 3, 10_000, 2_000, 30_000, -8_000],
  ];
  for (const [n, k, elapsed, min, max, want] of cases) {
    assert.equal(remainingSuspicionTime(n, k, elapsed, min, max), want, `n=${n}`);
  }
});

Deno.test("remainingSuspicionTime floors to whole milliseconds and never goes below min", () => {
  // 30 s - (log 3 / log 4) * 28 s = 7.8105... s
  assert.equal(remainingSuspicionTime(2, 3, 0, 2_000, 30_000), 7_810);
  // Values computed by memberlist's own formula in Go.
  assert.equal(remainingSuspicionTime(1, 2, 0, 1_000, 10_001), 4_322);
  assert.equal(remainingSuspicionTime(2, 5, 0, 4_164, 24_984), 12_218);
  assert.equal(remainingSuspicionTime(1, 4, 0, 6_792, 40_752), 26_126);
  assert.equal(remainingSuspicionTime(3, 7, 0, 333, 99_999), 33_554);
  assert.equal(remainingSuspicionTime(10, 3, 0, 2_000, 30_000), 2_000);
});

Deno.test("Suspicion fires after maxMs when nobody confirms", async () => {
  const { clock, fired } = start();
  await clock.advance(29_999);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, [0]);
  assert.equal(clock.pending, 0);
});

Deno.test("Suspicion with k below 1 times out after minMs", async () => {
  const { clock, fired, suspicion } = start({ k: 0 });
  assert.equal(suspicion.confirm("b"), false, "no confirmations are expected");
  await clock.advance(1_999);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, [0]);
});

Deno.test("Suspicion shortens its timeout with each independent confirmation", async () => {
  const { clock, fired, suspicion } = start();
  assert.equal(suspicion.confirm("b"), true);
  assert.equal(suspicion.confirmations, 1);
  // One of three confirmations: 30000 - 0.5 * 28000.
  await clock.advance(15_999);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, [1]);
});

Deno.test("Suspicion shortens its timeout to minMs after k confirmations", async () => {
  const { clock, fired, suspicion } = start();
  for (const peer of ["b", "c", "d"]) assert.equal(suspicion.confirm(peer), true);
  await clock.advance(1_999);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, [3]);
});

Deno.test("Suspicion counts time already elapsed when re-arming", async () => {
  const { clock, fired, suspicion } = start();
  await clock.advance(10_000);
  assert.equal(suspicion.confirm("b"), true);
  // Total timeout is now 16000 ms from the start, so 6000 ms remain.
  await clock.advance(5_999);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, [1]);
});

Deno.test("Suspicion ignores the original suspector and repeated confirmations", async () => {
  const { clock, fired, suspicion } = start();
  assert.equal(suspicion.confirm("origin"), false);
  assert.equal(suspicion.confirm("b"), true);
  assert.equal(suspicion.confirm("b"), false);
  assert.equal(suspicion.confirmations, 1);
  await clock.advance(16_000);
  assert.deepEqual(fired, [1]);
});

Deno.test("Suspicion stops accepting confirmations once k is reached", () => {
  const { suspicion } = start({ k: 2 });
  assert.equal(suspicion.confirm("b"), true);
  assert.equal(suspicion.confirm("c"), true);
  assert.equal(suspicion.confirm("d"), false);
  assert.equal(suspicion.confirmations, 2);
  suspicion.cancel();
});

Deno.test("Suspicion fires on the next clock turn, not inside confirm, when already overdue", async () => {
  const { clock, fired, suspicion } = start();
  await clock.advance(20_000);
  assert.equal(suspicion.confirm("b"), true); // 16000 ms total: already past
  assert.deepEqual(fired, [], "onTimeout must not run inside confirm");
  await clock.advance(0);
  assert.deepEqual(fired, [1]);
  assert.equal(clock.now() - 1_700_000_000_000, 20_000, "fired without waiting");
});

Deno.test("Suspicion fires exactly once and refuses confirmations afterwards", async () => {
  const { clock, fired, suspicion } = start({ k: 1, minMs: 1_000, maxMs: 5_000 });
  await clock.advance(5_000);
  assert.deepEqual(fired, [0]);
  assert.equal(suspicion.done, true);
  assert.equal(suspicion.confirm("b"), false);
  await clock.advance(10_000);
  assert.deepEqual(fired, [0]);
  assert.equal(clock.pending, 0);
});

Deno.test("Suspicion.cancel stops the timer and leaves nothing scheduled", async () => {
  const { clock, fired, suspicion } = start();
  suspicion.confirm("b");
  suspicion.cancel();
  suspicion.cancel();
  assert.equal(clock.pending, 0);
  assert.equal(suspicion.confirm("c"), false);
  await clock.advance(60_000);
  assert.deepEqual(fired, []);
});

Deno.test("Suspicion rejects inconsistent bounds", () => {
  const clock = new VirtualClock();
  const base = { from: "a", k: 1, clock, onTimeout: () => {} };
  assert.throws(
    () => new Suspicion({ ...base, minMs: 5_000, maxMs: 1_000 }),
    { name: "RangeError", message: /'maxMs' must be at least 'minMs' \(5000\): current value is 1000/ },
  );
  assert.throws(() => new Suspicion({ ...base, minMs: -1, maxMs: 1_000 }), RangeError);
  assert.equal(clock.pending, 0);
});
