/**
 * The round trips Serf feeds into Vivaldi, nearer the wire. A probe's round
 * trip is the network's plus whatever delays the two hosts added: waking a
 * process, a busy event loop, a garbage collection, another process on the
 * core. Those delays only ever add, so the least of a node's recent round trips
 * is the best estimate of the path itself (the same reasoning as TCP's min-RTT
 * estimators). Serf feeds every sample to Vivaldi's median-of-3 filter, which
 * on a busy host keeps most of that noise; serfts feeds the minimum of the last
 * `window` samples to the same filter, so the coordinate math stays Serf's.
 *
 * @module
 */

/** Per-node windows of recent round trips. */
export class MinRttFilter {
  readonly #window: number;
  readonly #samples = new Map<string, number[]>();

  /**
   * @param window how many recent samples per node the minimum is taken over; 1 passes every sample through
   * @throws {RangeError} when `window` is not a positive integer
   */
  constructor(window: number) {
    if (!Number.isInteger(window) || window < 1) {
      throw new RangeError(
        `Cannot filter round trips: 'window' must be a positive integer: current value is ${window}`,
      );
    }
    this.#window = window;
  }

  /**
   * Records a round trip to `node` and returns the value to feed Vivaldi.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MinRttFilter } from "./rtt_filter.ts";
   *
   * const f = new MinRttFilter(3);
   * assert.equal(f.observe("b", 0.4), 0.4);
   * assert.equal(f.observe("b", 2.5), 0.4); // a scheduling delay, not the path
   * assert.equal(f.observe("b", 0.6), 0.4);
   * assert.equal(f.observe("b", 0.7), 0.6); // 0.4 fell out of the window
   * ```
   */
  observe(node: string, rttMs: number): number {
    let ring = this.#samples.get(node);
    if (!ring) {
      ring = [];
      this.#samples.set(node, ring);
    }
    ring.push(rttMs);
    if (ring.length > this.#window) ring.shift();
    return Math.min(...ring);
  }

  /** Forgets a node's samples (when it is reaped). */
  forget(node: string): void {
    this.#samples.delete(node);
  }
}
