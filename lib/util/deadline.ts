/**
 * Racing work against a timer on a {@linkcode Clock}: the one way serfts
 * bounds a wait (a probe's ack, a broadcast going out, a leave, an RPC write),
 * so the timer is always cancelled and virtual time can drive it in tests.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/**
 * Settles like `work`, unless `ms` pass on `clock` first: then resolves with
 * what `onTimeout` returns, or rejects with what it throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "./clock.ts";
 * import { raceTimer } from "./deadline.ts";
 *
 * const clock = new VirtualClock();
 * const never = new Promise<string>(() => {});
 * const result = raceTimer(clock, 100, never, () => "timed out");
 * await clock.advance(100);
 * assert.equal(await result, "timed out");
 * ```
 */
export function raceTimer<T, U>(
  clock: Clock,
  ms: number,
  work: Promise<T>,
  onTimeout: () => U,
): Promise<T | U> {
  return new Promise<T | U>((resolve, reject) => {
    const timer = clock.setTimer(ms, () => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err);
      }
    });
    work.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (err) => {
        timer.cancel();
        reject(err);
      },
    );
  });
}
