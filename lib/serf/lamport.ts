/**
 * Lamport clocks (Lamport, "Time, Clocks, and the Ordering of Events in a
 * Distributed System", 1978), as Serf uses them to order join/leave intents,
 * user events and queries without synchronised wall clocks.
 *
 * Serf's clock is a Go `uint64`; serfts keeps it in a JavaScript number, which
 * is exact up to `Number.MAX_SAFE_INTEGER` (2^53 - 1). A cluster ticking a
 * million times a second would need 285 years to get there, and the decoders
 * in `messages.ts` refuse larger values rather than round them.
 *
 * @module
 */

/** A value of a {@linkcode LamportClock}: Go's `LamportTime` (`uint64`), exact up to 2^53 - 1. */
export type LamportTime = number;

/**
 * A Lamport clock. JavaScript runs one callback at a time, so the
 * compare-and-swap loop Serf needs for goroutines is unnecessary here.
 *
 * @example
 * ```ts
 * import { LamportClock } from "./lamport.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = new LamportClock();
 * assert.equal(clock.increment(), 1);
 * clock.witness(41); // a peer has seen time 41: move past it
 * assert.equal(clock.time(), 42);
 * clock.witness(7); // old news: no change
 * assert.equal(clock.time(), 42);
 * ```
 */
export class LamportClock {
  #counter: LamportTime;

  /**
   * @param start the initial value (Serf starts at 0 and increments once at creation).
   * @throws {RangeError} when `start` is not a safe non-negative integer.
   */
  constructor(start: LamportTime = 0) {
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new RangeError(
        `Cannot create Lamport clock: start must be a safe non-negative integer: current value is ${start}`,
      );
    }
    this.#counter = start;
  }

  /** The current value. */
  time(): LamportTime {
    return this.#counter;
  }

  /** Advances the clock by one and returns the new value. */
  increment(): LamportTime {
    return ++this.#counter;
  }

  /**
   * Records a time seen in a message from another node: when `v` is at least
   * the current value, the clock moves to `v + 1` so anything this node sends
   * next is ordered after what it saw. Older values change nothing.
   */
  witness(v: LamportTime): void {
    if (v >= this.#counter) this.#counter = v + 1;
  }
}
