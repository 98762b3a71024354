/**
 * One transmit tier of the broadcast queue: the broadcasts sent the same
 * number of times, grouped by message length so that filling a packet never
 * searches or shifts the whole tier.
 *
 * @module
 */

/** What a tier needs to know about a queued broadcast. */
export interface TierEntry {
  /** Queue order: a larger id was queued later. Unique within the queue. */
  readonly id: number;
  /** The message's length in bytes; fixed while queued. */
  readonly length: number;
}

/** Index of the last element of `ascending` at most `limit`, or -1. */
function lastAtMost(ascending: readonly number[], limit: number): number {
  let lo = 0, hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending[mid]! > limit) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** Where an entry with id `id` goes in a bucket sorted by ascending id. */
function idInsertionIndex(bucket: readonly TierEntry[], id: number): number {
  let lo = 0, hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bucket[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Entries ordered by sending priority: the largest message first, and the
 * newest among equal lengths (memberlist's greedy packing, where the newest
 * is the most likely to still be news).
 *
 * Stored as one bucket per distinct length, each sorted by ascending id, with
 * the lengths present kept sorted. Queues hold few distinct lengths (messages
 * about nodes differ by little more than the name), so finding the best
 * message that fits is a search over a handful of numbers, taking it is a
 * `pop`, and a newly queued message is a `push`. A message sent once more
 * lands inside its next bucket (in a join storm it is mostly older than
 * those waiting there): a binary search and a splice of one bucket, not of
 * the whole tier. A max-heap per bucket was measured slower here: its
 * takes cost more than the splices it saves.
 *
 * @example
 * ```ts
 * import { BroadcastTier } from "./broadcast_tier.ts";
 * import assert from "node:assert/strict";
 *
 * const tier = new BroadcastTier<{ id: number; length: number }>();
 * tier.add({ id: 1, length: 40 });
 * tier.add({ id: 2, length: 40 });
 * tier.add({ id: 3, length: 90 });
 * assert.equal(tier.takeFitting(60)?.id, 2); // 90 bytes do not fit; the newest of 40 does
 * assert.equal(tier.takeFitting(1400)?.id, 3);
 * assert.equal(tier.size, 1);
 * ```
 */
export class BroadcastTier<E extends TierEntry> {
  /** Distinct lengths present, ascending; `#buckets[i]` holds the entries of length `#lengths[i]`. */
  #lengths: number[] = [];
  #buckets: E[][] = [];
  #size = 0;

  /** Number of entries in the tier. */
  get size(): number {
    return this.#size;
  }

  /** Adds `entry`; its id must not be in the tier already. */
  add(entry: E): void {
    const lengths = this.#lengths;
    const length = entry.length;
    let i = lengths.length - 1;
    if (i < 0 || lengths[i]! !== length) {
      i = lastAtMost(lengths, length);
      if (i < 0 || lengths[i]! !== length) {
        i++;
        lengths.splice(i, 0, length);
        this.#buckets.splice(i, 0, []);
      }
    }
    const bucket = this.#buckets[i]!;
    // Newly queued broadcasts are the newest of their length: an append.
    if (bucket.length === 0 || bucket[bucket.length - 1]!.id < entry.id) bucket.push(entry);
    else bucket.splice(idInsertionIndex(bucket, entry.id), 0, entry);
    this.#size++;
  }

  /** Removes and returns the first entry in sending order whose length is at most `limit`, if any. */
  takeFitting(limit: number): E | undefined {
    const lengths = this.#lengths;
    let i = lengths.length - 1;
    if (i < 0) return undefined;
    if (lengths[i]! > limit) {
      i = lastAtMost(lengths, limit);
      if (i < 0) return undefined;
    }
    const bucket = this.#buckets[i]!;
    const entry = bucket.pop()!;
    if (bucket.length === 0) this.#dropBucket(i);
    this.#size--;
    return entry;
  }

  /** Removes `entry`, which must be in the tier. @returns false if it was not. */
  remove(entry: E): boolean {
    const i = lastAtMost(this.#lengths, entry.length);
    if (i < 0 || this.#lengths[i] !== entry.length) return false;
    const bucket = this.#buckets[i]!;
    const at = idInsertionIndex(bucket, entry.id);
    if (bucket[at] !== entry) return false;
    bucket.splice(at, 1);
    if (bucket.length === 0) this.#dropBucket(i);
    this.#size--;
    return true;
  }

  /**
   * Removes and returns up to `count` entries from the back of the sending
   * order: the smallest messages first, the oldest first among equal lengths.
   */
  takeLast(count: number): E[] {
    const out: E[] = [];
    while (out.length < count && this.#lengths.length > 0) {
      const bucket = this.#buckets[0]!;
      const n = Math.min(bucket.length, count - out.length);
      for (let k = 0; k < n; k++) out.push(bucket[k]!);
      if (n === bucket.length) this.#dropBucket(0);
      else bucket.splice(0, n);
      this.#size -= n;
    }
    return out;
  }

  /**
   * Removes the entries `gone` selects, visiting every entry from the back of
   * the sending order to the front (smallest and oldest first), as
   * {@linkcode takeLast} would. @returns the removed entries in visiting order.
   */
  removeWhere(gone: (entry: E) => boolean): E[] {
    const out: E[] = [];
    for (let i = 0; i < this.#buckets.length; i++) {
      const bucket = this.#buckets[i]!;
      const kept = bucket.filter((entry) => {
        if (!gone(entry)) return true;
        out.push(entry);
        return false;
      });
      if (kept.length !== bucket.length) this.#buckets[i] = kept;
    }
    for (let i = this.#buckets.length - 1; i >= 0; i--) {
      if (this.#buckets[i]!.length === 0) this.#dropBucket(i);
    }
    this.#size -= out.length;
    return out;
  }

  #dropBucket(i: number): void {
    if (i === this.#lengths.length - 1) {
      this.#lengths.pop();
      this.#buckets.pop();
    } else {
      this.#lengths.splice(i, 1);
      this.#buckets.splice(i, 1);
    }
  }
}
