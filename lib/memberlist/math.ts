/**
 * The scaling rules memberlist uses to keep SWIM's cost and accuracy steady as
 * a cluster grows: how long a suspect node has to refute, how many times a
 * piggybacked update is retransmitted, and how often full-state push/pull
 * syncs run. They are pure functions of the cluster size so the engine and the
 * simulator agree on them exactly, and their results match memberlist 0.2.2
 * millisecond for millisecond (peers tune their own timers with the same
 * formulas, so drifting from them changes how fast we declare failures relative
 * to Go nodes).
 *
 * @module
 */

import { type Random, randomInt } from "../util/random.ts";

/**
 * Cluster size up to which push/pull syncs run at the configured interval.
 * Above it the interval grows with log2 of the size, so the 33rd node doubles
 * it and the 65th triples it: full-state syncs are the costliest traffic.
 */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * Minimum time a node stays suspect before it is declared dead (SWIM's
 * suspicion subprotocol): `suspicionMult * max(1, log10(max(1, n))) * interval`.
 * Larger clusters need longer for a refutation to spread, hence the log term.
 *
 * The node scale is truncated to thousandths before multiplying, as memberlist
 * does, so results agree with Go nodes to the nanosecond.
 *
 * @param suspicionMult multiplier from the config (memberlist's default is 4)
 * @param n estimated number of nodes in the cluster
 * @param intervalMs probe interval in milliseconds
 * @returns the timeout in milliseconds (may carry a fraction of a millisecond)
 *
 * @example
 * ```ts
 * import { suspicionTimeout } from "./math.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(suspicionTimeout(4, 10, 1000), 4000);
 * assert.equal(suspicionTimeout(4, 1000, 1000), 12000);
 * ```
 */
export function suspicionTimeout(suspicionMult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return (suspicionMult * Math.trunc(nodeScale * 1000) * intervalMs) / 1000;
}

/**
 * How many times a gossiped update is retransmitted before it is dropped:
 * `retransmitMult * ceil(log10(n + 1))`. Epidemic dissemination reaches every
 * node with high probability after O(log n) rounds, which is what this buys.
 *
 * @param retransmitMult multiplier from the config (memberlist's default is 4)
 * @param n estimated number of nodes in the cluster
 * @returns the transmit limit; 0 for an empty cluster
 *
 * @example
 * ```ts
 * import { retransmitLimit } from "./math.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(retransmitLimit(4, 9), 4);
 * assert.equal(retransmitLimit(4, 10), 8);
 * ```
 */
export function retransmitLimit(retransmitMult: number, n: number): number {
  const nodeScale = Math.ceil(Math.log10(n + 1));
  return retransmitMult * nodeScale;
}

/**
 * The push/pull interval for a cluster of `n` nodes. Unchanged up to
 * {@linkcode PUSH_PULL_SCALE_THRESHOLD}, then multiplied by
 * `ceil(log2(n) - log2(32)) + 1` so that the total sync traffic grows slowly.
 *
 * @param intervalMs configured push/pull interval in milliseconds
 * @param n estimated number of nodes in the cluster
 * @returns the scaled interval in milliseconds
 *
 * @example
 * ```ts
 * import { pushPullScale } from "./math.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pushPullScale(30_000, 32), 30_000);
 * assert.equal(pushPullScale(30_000, 33), 60_000);
 * assert.equal(pushPullScale(30_000, 65), 90_000);
 * ```
 */
export function pushPullScale(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}

/**
 * A uniformly random index in `[0, n)`, or 0 when `n` is 0. Used to start the
 * probe round-robin at a random node and to pick a random push/pull partner.
 *
 * @param rng the injected random source
 * @param n the number of choices
 *
 * @example
 * ```ts
 * import { randomOffset } from "./math.ts";
 * import { SeededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const i = randomOffset(new SeededRandom(1), 5);
 * assert(i >= 0 && i < 5);
 * ```
 */
export function randomOffset(rng: Random, n: number): number {
  return randomInt(rng, n);
}
