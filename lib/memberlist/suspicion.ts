/**
 * Lifeguard's dynamic suspicion timeout (Dadgar, Phillips, Currey: "Lifeguard:
 * Local Health Awareness for More Accurate Failure Detection", 2018, section
 * IV-B). Plain SWIM waits a fixed time before turning a suspect node dead.
 * Lifeguard starts with a long timeout, which protects a node that is merely
 * slow or whose suspector is itself unhealthy, and shortens it as independent
 * peers confirm the suspicion, so a genuinely failed node is still declared
 * dead quickly.
 *
 * @module
 */

import type { Clock, Timer } from "../util/clock.ts";

/** Options for {@linkcode Suspicion}. All durations are in milliseconds. */
export interface SuspicionOptions {
  /**
   * The node that raised the suspicion. It never counts as a confirmation,
   * because our own suspect message can come back to us through gossip.
   */
  from: string;
  /**
   * Number of independent confirmations that drive the timeout down to
   * `minMs`. Below 1 no confirmations are expected and the timer runs for
   * `minMs` from the start (memberlist does this for clusters too small to
   * supply them).
   */
  k: number;
  /** Shortest timeout, reached after `k` confirmations. */
  minMs: number;
  /** Timeout with no confirmations; must be at least `minMs`. */
  maxMs: number;
  /** Clock that runs the timer (virtual in tests). */
  clock: Clock;
  /**
   * Called once when the timeout expires, with the number of confirmations
   * seen. It runs from a clock timer, never from inside
   * {@linkcode Suspicion.confirm}, so it may freely change the state that
   * called `confirm`. It must not throw.
   */
  onTimeout: (confirmations: number) => void;
}

/**
 * The timeout still to wait after `n` of `k` confirmations, given that
 * `elapsedMs` has already passed since the suspicion began:
 * `max - (log(n+1) / log(k+1)) * (max - min)`, floored to a whole millisecond
 * and never below `min`, minus the elapsed time. The log makes the first
 * confirmations count the most. The result is negative when the shortened
 * timeout has already passed.
 *
 * @example
 * ```ts
 * import { remainingSuspicionTime } from "./suspicion.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(remainingSuspicionTime(0, 3, 0, 2000, 30000), 30000);
 * assert.equal(remainingSuspicionTime(3, 3, 500, 2000, 30000), 1500);
 * ```
 */
export function remainingSuspicionTime(
  n: number,
  k: number,
  elapsedMs: number,
  minMs: number,
  maxMs: number,
): number {
  const frac = Math.log(n + 1) / Math.log(k + 1);
  // In seconds then floored to milliseconds, as memberlist does, so float
  // rounding lands on the same millisecond as on Go nodes.
  const rawSeconds = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  const timeout = Math.max(minMs, Math.floor(1000 * rawSeconds));
  return timeout - elapsedMs;
}

/**
 * The suspect timer for one node. Created when the node becomes suspect;
 * the engine calls {@linkcode Suspicion.confirm} for each suspect message about
 * it and {@linkcode Suspicion.cancel} when the node refutes, dies or leaves.
 *
 * @example
 * ```ts
 * import { Suspicion } from "./suspicion.ts";
 * import { VirtualClock } from "../util/clock.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = new VirtualClock();
 * let confirmations = -1;
 * const s = new Suspicion({
 *   from: "a", k: 2, minMs: 1000, maxMs: 8000, clock,
 *   onTimeout: (n) => { confirmations = n; },
 * });
 * assert.equal(s.confirm("b"), true);
 * assert.equal(s.confirm("c"), true);
 * await clock.advance(1000);
 * assert.equal(confirmations, 2);
 * ```
 */
export class Suspicion {
  #k: number;
  #minMs: number;
  #maxMs: number;
  #clock: Clock;
  #onTimeout: (confirmations: number) => void;
  /** Peers already counted, plus the original suspector. */
  #seen = new Set<string>();
  #confirmations = 0;
  #start: number;
  #timer: Timer;
  #done = false;

  /**
   * Starts the timer at `maxMs` (or `minMs` when `k < 1`).
   *
   * @throws {RangeError} if `minMs` is negative or `maxMs` is below `minMs`.
   */
  constructor(options: SuspicionOptions) {
    const { from, k, minMs, maxMs, clock, onTimeout } = options;
    if (!(minMs >= 0)) {
      throw new RangeError(
        `Cannot start suspicion as 'minMs' must not be negative: current value is ${minMs}`,
      );
    }
    if (!(maxMs >= minMs)) {
      throw new RangeError(
        `Cannot start suspicion as 'maxMs' must be at least 'minMs' (${minMs}): current value is ${maxMs}`,
      );
    }
    this.#k = k;
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#clock = clock;
    this.#onTimeout = onTimeout;
    this.#seen.add(from);
    this.#start = clock.now();
    this.#timer = clock.setTimer(k < 1 ? minMs : maxMs, () => this.#fire());
  }

  /** Independent confirmations counted so far. */
  get confirmations(): number {
    return this.#confirmations;
  }

  /** True once the timer has fired or been cancelled. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Records that `from` also suspects the node and shortens the timer to match.
   * If the shortened timeout has already passed, the timeout fires on the next
   * clock turn rather than inside this call.
   *
   * @returns true if this was a new confirmation, which the caller should
   * re-gossip so other peers can count it too; false for the original
   * suspector, a repeat, once `k` confirmations were reached, or after the
   * timer fired or was cancelled.
   */
  confirm(from: string): boolean {
    if (this.#done || this.#confirmations >= this.#k) return false;
    if (this.#seen.has(from)) return false;
    this.#seen.add(from);
    this.#confirmations++;

    const elapsed = this.#clock.now() - this.#start;
    const remaining = remainingSuspicionTime(this.#confirmations, this.#k, elapsed, this.#minMs, this.#maxMs);
    this.#timer.cancel();
    this.#timer = this.#clock.setTimer(Math.max(0, remaining), () => this.#fire());
    return true;
  }

  /** Stops the timer without calling `onTimeout`. Safe to call more than once. */
  cancel(): void {
    this.#done = true;
    this.#timer.cancel();
  }

  #fire(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onTimeout(this.#confirmations);
  }
}
