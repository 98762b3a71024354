import assert from "node:assert/strict";
import { LamportClock } from "../../lib/serf/lamport.ts";

Deno.test("LamportClock increments and returns the new value", () => {
  const clock = new LamportClock();
  assert.equal(clock.time(), 0);
  assert.equal(clock.increment(), 1);
  assert.equal(clock.increment(), 2);
  assert.equal(clock.time(), 2);
});

Deno.test("LamportClock.witness moves one past a newer or equal time and ignores older ones", () => {
  const clock = new LamportClock(5);
  clock.witness(4);
  assert.equal(clock.time(), 5, "older: unchanged");
  clock.witness(5);
  assert.equal(clock.time(), 6, "equal: one past it");
  clock.witness(2 ** 40);
  assert.equal(clock.time(), 2 ** 40 + 1);
});

Deno.test("LamportClock refuses a start value a JavaScript number cannot hold exactly", () => {
  assert.throws(() => new LamportClock(-1), RangeError);
  assert.throws(() => new LamportClock(2 ** 53), /safe non-negative integer/);
});
