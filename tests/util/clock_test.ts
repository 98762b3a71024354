import assert from "node:assert/strict";
import { RealClock, VirtualClock } from "../../lib/util/clock.ts";

Deno.test("RealClock.now never goes backwards and resolves below a millisecond", () => {
  const clock = new RealClock();
  let previous = clock.now();
  let smallestStep = Infinity;
  let fractional = false;
  // Bounded: a busy loop of at most 200,000 reads, stopping once both facts are seen.
  for (let i = 0; i < 200_000 && !(fractional && smallestStep < 1); i++) {
    const t = clock.now();
    assert.ok(t >= previous, `monotonic clock went back from ${previous} to ${t}`);
    if (t > previous) smallestStep = Math.min(smallestStep, t - previous);
    if (t !== Math.trunc(t)) fractional = true;
    previous = t;
  }
  assert.ok(fractional, "every reading was a whole millisecond: the clock is not high-resolution");
  assert.ok(smallestStep < 1, `smallest observed step was ${smallestStep} ms`);
});

Deno.test("RealClock measures durations on its monotonic source, not the wall clock", () => {
  let mono = 1_000;
  let wall = Date.UTC(2026, 0, 1);
  const clock = new RealClock({ monotonic: () => mono, wall: () => wall });
  const start = clock.now();
  wall -= 3_600_000; // NTP steps the wall clock back an hour
  mono += 0.25;
  assert.equal(clock.now() - start, 0.25);
  wall += 7_200_000; // and forward two hours
  mono += 0.5;
  assert.equal(clock.now() - start, 0.75);
  assert.equal(clock.wallNow(), Date.UTC(2026, 0, 1) + 3_600_000);
});

Deno.test("VirtualClock.stepWall moves wall time only: timers and now() keep their course", async () => {
  const clock = new VirtualClock(0);
  let fired = 0;
  clock.setTimer(1_000, () => fired++);
  clock.stepWall(3_600_000);
  assert.equal(clock.now(), 0);
  assert.equal(clock.wallNow(), 3_600_000);
  await clock.advance(999);
  assert.equal(fired, 0);
  clock.stepWall(-7_200_000);
  await clock.advance(1);
  assert.equal(fired, 1);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.wallNow(), 1_000 - 3_600_000);
});
