/**
 * Copies of rebroadcast intents, shared. A join or leave intent is the same
 * few bytes at every node that rebroadcasts it, and during a rollout nearly
 * every node queues a copy of nearly every node's join: in a simulation, which
 * runs all nodes in one process, n² arrays of some 40 bytes, each costing
 * about 260 bytes with its buffer. One copy per distinct intent, shared by
 * every queue holding it, costs one.
 *
 * The cache is process-wide, like the intern pool (util/intern.ts): it has no
 * behaviour, since broadcast queues never write into a message. Bounded:
 * emptied when full, and copies handed out before stay valid.
 *
 * @module
 */

/**
 * Distinct intents kept before the cache starts over. Keys are whole intents,
 * each with its own Lamport time, so an agent in a churning cluster would
 * keep adding them: a small bound keeps that under a megabyte. Starting over
 * only costs sharing (a rollout's later copies share a newer array).
 */
const CAPACITY = 4_096;
/** Longest message shared; longer ones (rare for an intent: a very long node name) are copied. */
const MAX_SHARED_BYTES = 256;

const copies = new Map<string, Uint8Array>();

/**
 * A copy of `msg` that owns its bytes, the same array for the same bytes.
 * Never write into it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharedIntentCopy } from "./intent_copies.ts";
 *
 * const packet = new Uint8Array([9, 0, 1, 2, 3, 9]);
 * const a = sharedIntentCopy(packet.subarray(1, 5));
 * assert.deepEqual(a, new Uint8Array([0, 1, 2, 3]));
 * assert.notEqual(a.buffer, packet.buffer); // a copy
 * assert.equal(sharedIntentCopy(new Uint8Array([0, 1, 2, 3])), a); // shared
 * ```
 */
export function sharedIntentCopy(msg: Uint8Array): Uint8Array {
  if (msg.length > MAX_SHARED_BYTES) return msg.slice();
  const key = String.fromCharCode.apply(null, msg as unknown as number[]);
  let copy = copies.get(key);
  if (copy === undefined) {
    if (copies.size >= CAPACITY) copies.clear();
    copy = msg.slice();
    copies.set(key, copy);
  }
  return copy;
}
