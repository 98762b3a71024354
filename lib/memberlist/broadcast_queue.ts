/**
 * The queue of updates piggybacked on SWIM's probe traffic (the
 * "infection-style dissemination" of Das, Gupta, Motivala: "SWIM: Scalable
 * Weakly-consistent Infection-style Process Group Membership Protocol", 2002,
 * section 4.1). Each update is sent a limited number of times, enough for
 * epidemic spread to reach every node with high probability, and newer or
 * less-sent updates go first. A newer update about the same subject
 * replaces an older one still waiting, so stale news is never sent.
 *
 * @module
 */

import { retransmitLimit } from "./math.ts";

/**
 * Something to gossip. Implementations decide what supersedes what.
 *
 * The queue reads `message()`, `name` and `unique` once, when the broadcast is
 * queued; they must not change afterwards.
 */
export interface Broadcast {
  /** The encoded message, sent as-is inside a compound packet. */
  message(): Uint8Array;
  /**
   * True if queueing this broadcast makes `other` (already queued) obsolete.
   * Only consulted between broadcasts that have neither `name` nor `unique`.
   */
  invalidates(other: Broadcast): boolean;
  /**
   * Called once when the queue lets go of the broadcast: sent often enough,
   * superseded, pruned or reset. Called after the queue has updated itself, so
   * it may queue new broadcasts. Must not throw.
   */
  finished(): void;
  /**
   * A subject name, like memberlist's `NamedBroadcast`: a broadcast with a name
   * replaces the queued one with the same name in constant time, and is never
   * compared with `invalidates`. An empty string counts as no name.
   */
  readonly name?: string;
  /**
   * Like memberlist's `UniqueBroadcast`: never superseded, so queueing it skips
   * the scan for obsolete broadcasts (user events and queries use this).
   */
  readonly unique?: boolean;
}

/** Options for {@linkcode TransmitLimitedQueue}. */
export interface TransmitLimitedQueueOptions {
  /** The current cluster size estimate; the transmit limit scales with its log. */
  numNodes: () => number;
  /**
   * Multiplier for the transmit limit, `retransmitMult * ceil(log10(n + 1))`.
   * @default {4}
   */
  retransmitMult?: number;
}

interface Entry {
  readonly broadcast: Broadcast;
  readonly msg: Uint8Array;
  readonly id: number;
  readonly name: string | undefined;
  readonly unique: boolean;
  transmits: number;
}

/**
 * Order within one transmit tier: largest message first, then newest first.
 * Largest-first is memberlist's greedy packing; among equal sizes the newest
 * wins because it is the most likely to still be news.
 */
function precedes(a: Entry, b: Entry): boolean {
  return a.msg.length > b.msg.length || (a.msg.length === b.msg.length && a.id > b.id);
}

/**
 * Where `e` goes in a tier: the first index whose entry precedes `e`. Tiers are
 * stored last-to-send first, so a new broadcast of a common size (the newest
 * among its equals) is appended rather than shifting the whole tier.
 */
function insertionIndex(tier: Entry[], e: Entry): number {
  let lo = 0, hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (precedes(tier[mid]!, e)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Index in a tier of the largest (newest among equals) message that fits in `free` bytes, or -1. */
function bestFitting(tier: Entry[], free: number): number {
  let lo = 0, hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tier[mid]!.msg.length > free) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/**
 * memberlist's `TransmitLimitedQueue`: broadcasts grouped into tiers by how
 * often they were sent, each tier kept sorted, so that filling a packet costs
 * a binary search per message taken rather than a sort of the whole queue
 * (the engine asks on every probe and gossip tick, with thousands queued in
 * a large or churning cluster).
 *
 * Selection matches memberlist 0.2.2: walk tiers from least sent to most sent;
 * in each, take the largest message that still fits (newest first among
 * equals), until nothing fits. A message sent `retransmitLimit` times is
 * dropped.
 *
 * @example
 * ```ts
 * import { TransmitLimitedQueue } from "./broadcast_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 1 });
 * const msg = (text: string) => ({
 *   name: text,
 *   message: () => new TextEncoder().encode(text),
 *   invalidates: () => false,
 *   finished: () => {},
 * });
 * q.queueBroadcast(msg("alive a"));
 * q.queueBroadcast(msg("alive b"));
 * assert.equal(q.getBroadcasts(2, 1400).length, 2);
 * assert.equal(q.numQueued(), 2); // limit is 1 * ceil(log10(11)) = 2 sends
 * ```
 */
export class TransmitLimitedQueue {
  #numNodes: () => number;
  #retransmitMult: number;
  /** `#tiers[t]` holds the entries sent `t` times, in reverse {@linkcode precedes} order (next to send last). */
  #tiers: Entry[][] = [];
  #byName = new Map<string, Entry>();
  #size = 0;
  #nextId = 1;

  /** @throws {RangeError} if `retransmitMult` is not a non-negative integer. */
  constructor(options: TransmitLimitedQueueOptions) {
    const retransmitMult = options.retransmitMult ?? 4;
    if (!Number.isInteger(retransmitMult) || retransmitMult < 0) {
      throw new RangeError(
        `Cannot create broadcast queue as 'retransmitMult' must be a non-negative integer: current value is ${retransmitMult}`,
      );
    }
    this.#numNodes = options.numNodes;
    this.#retransmitMult = retransmitMult;
  }

  /** Number of broadcasts waiting to be sent. */
  numQueued(): number {
    return this.#size;
  }

  /**
   * Queues `b` for gossip, first dropping (and finishing) what it supersedes:
   * the queued broadcast with the same `name`, or, for a broadcast with
   * neither `name` nor `unique`, every such broadcast it `invalidates` (a
   * scan of the queue, so hot paths should use names).
   */
  queueBroadcast(b: Broadcast): void {
    const entry: Entry = {
      broadcast: b,
      msg: b.message(),
      id: this.#nextId++,
      name: b.name || undefined,
      unique: b.unique === true && !b.name,
      transmits: 0,
    };

    const superseded: Entry[] = [];
    if (entry.name !== undefined) {
      const old = this.#byName.get(entry.name);
      if (old) {
        this.#remove(old);
        superseded.push(old);
      }
    } else if (!entry.unique) {
      for (let t = 0; t < this.#tiers.length; t++) {
        const tier = this.#tiers[t]!;
        const kept = tier.filter((cur) => {
          const gone = cur.name === undefined && !cur.unique && b.invalidates(cur.broadcast);
          if (gone) superseded.push(cur);
          return !gone;
        });
        if (kept.length !== tier.length) this.#tiers[t] = kept;
      }
      this.#size -= superseded.length;
    }

    this.#add(entry);
    for (const old of superseded) old.broadcast.finished();
  }

  /**
   * Takes the broadcasts to piggyback on one packet and counts them as sent.
   *
   * @param overheadPerMsg framing bytes each message costs in the packet
   * @param limitBytes room left in the packet
   * @returns messages whose lengths plus `overheadPerMsg` each sum to at most
   * `limitBytes`; empty when nothing is queued or nothing fits.
   */
  getBroadcasts(overheadPerMsg: number, limitBytes: number): Uint8Array[] {
    if (this.#size === 0) return [];
    const transmitLimit = retransmitLimit(this.#retransmitMult, this.#numNodes());

    const out: Uint8Array[] = [];
    const promoted: Entry[] = [];
    const done: Entry[] = [];
    let used = 0;
    // Promoted entries are re-added only after the walk, or a message could
    // be taken twice as the walk reaches the next tier.
    const lastTier = this.#tiers.length - 1;
    for (let t = 0; t <= lastTier;) {
      const free = limitBytes - used - overheadPerMsg;
      if (free <= 0) break;
      const tier = this.#tiers[t]!;
      const i = bestFitting(tier, free);
      if (i < 0) {
        t++;
        continue;
      }
      const entry = tier[i]!;
      tier.splice(i, 1);
      this.#size--;
      if (entry.name !== undefined) this.#byName.delete(entry.name);

      used += overheadPerMsg + entry.msg.length;
      out.push(entry.msg);
      if (entry.transmits + 1 >= transmitLimit) {
        done.push(entry);
      } else {
        entry.transmits++;
        promoted.push(entry);
      }
    }

    this.#addPromoted(promoted);
    this.#trimTiers();
    for (const entry of done) entry.broadcast.finished();
    return out;
  }

  /**
   * Keeps at most `maxRetain` broadcasts, dropping (and finishing) the most
   * sent first and, among those, the smallest and oldest: memberlist's
   * guard against an unbounded queue when updates arrive faster than they
   * can be gossiped.
   */
  prune(maxRetain: number): void {
    const dropped: Entry[] = [];
    for (let t = this.#tiers.length - 1; t >= 0 && this.#size > maxRetain; t--) {
      const tier = this.#tiers[t]!;
      const gone = tier.splice(0, Math.min(tier.length, this.#size - maxRetain));
      this.#size -= gone.length;
      for (const entry of gone) {
        if (entry.name !== undefined) this.#byName.delete(entry.name);
        dropped.push(entry);
      }
    }
    this.#trimTiers();
    for (const entry of dropped) entry.broadcast.finished();
  }

  /** Drops (and finishes) every queued broadcast. */
  reset(): void {
    const all = this.#tiers.flat();
    this.#tiers = [];
    this.#byName.clear();
    this.#size = 0;
    for (const entry of all) entry.broadcast.finished();
  }

  #add(entry: Entry): void {
    let tier = this.#tiers[entry.transmits];
    if (!tier) {
      while (this.#tiers.length <= entry.transmits) this.#tiers.push([]);
      tier = this.#tiers[entry.transmits]!;
    }
    tier.splice(insertionIndex(tier, entry), 0, entry);
    this.#size++;
    if (entry.name !== undefined) this.#byName.set(entry.name, entry);
  }

  /**
   * Re-adds entries just sent once more. A packet takes dozens, mostly into the
   * same tier: merging them into it in one pass costs O(tier) where an insert
   * each would cost O(tier) apiece.
   */
  #addPromoted(promoted: Entry[]): void {
    if (promoted.length < 4) {
      for (const entry of promoted) this.#add(entry);
      return;
    }
    const byTier = new Map<number, Entry[]>();
    for (const entry of promoted) {
      const list = byTier.get(entry.transmits);
      if (list) list.push(entry);
      else byTier.set(entry.transmits, [entry]);
    }
    for (const [t, entries] of byTier) {
      while (this.#tiers.length <= t) this.#tiers.push([]);
      // Tiers hold the next to send last, i.e. ascending by `precedes`.
      entries.sort((a, b) => (precedes(a, b) ? 1 : precedes(b, a) ? -1 : 0));
      const tier = this.#tiers[t]!;
      const merged = new Array<Entry>(tier.length + entries.length);
      let i = 0, j = 0, k = 0;
      while (i < tier.length && j < entries.length) {
        merged[k++] = precedes(tier[i]!, entries[j]!) ? entries[j++]! : tier[i++]!;
      }
      while (i < tier.length) merged[k++] = tier[i++]!;
      while (j < entries.length) merged[k++] = entries[j++]!;
      this.#tiers[t] = merged;
      this.#size += entries.length;
      for (const entry of entries) if (entry.name !== undefined) this.#byName.set(entry.name, entry);
    }
  }

  #remove(entry: Entry): void {
    const tier = this.#tiers[entry.transmits]!;
    const i = insertionIndex(tier, entry) - 1;
    if (tier[i] !== entry) throw new Error(`Broadcast queue is corrupt: entry ${entry.id} not in its tier`);
    tier.splice(i, 1);
    this.#size--;
    if (entry.name !== undefined) this.#byName.delete(entry.name);
  }

  /** Drops empty tiers at the top so walks stay short after a burst drains. */
  #trimTiers(): void {
    while (this.#tiers.length > 0 && this.#tiers[this.#tiers.length - 1]!.length === 0) this.#tiers.pop();
  }
}
