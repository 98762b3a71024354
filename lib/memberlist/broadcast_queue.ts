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

import { BroadcastTier, type TierEntry } from "./broadcast_tier.ts";
import { retransmitLimit } from "./math.ts";

/**
 * Something to gossip. Implementations decide what supersedes what.
 *
 * The queue reads `message()` once, when the broadcast is queued; it, `name`
 * and `unique` must not change afterwards.
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

/**
 * A queued message. One per queued broadcast, and a join storm queues one per
 * node pair, so it holds no more than it must: the length is the message's,
 * and `source` is the {@linkcode Broadcast} queued, or for
 * {@linkcode TransmitLimitedQueue.queueNamed} and `queueUnique` only the
 * callback to run when the queue lets go (no broadcast object at all).
 */
class Entry implements TierEntry {
  readonly msg: Uint8Array;
  readonly id: number;
  readonly name: string | undefined;
  readonly source: Broadcast | (() => void) | undefined;
  transmits = 0;

  constructor(
    msg: Uint8Array,
    id: number,
    name: string | undefined,
    source: Broadcast | (() => void) | undefined,
  ) {
    this.msg = msg;
    this.id = id;
    this.name = name;
    this.source = source;
  }

  get length(): number {
    return this.msg.length;
  }

  /** The broadcast `invalidates` may compare it with: one queued by `queueBroadcast` with neither name nor `unique`. */
  get comparable(): Broadcast | undefined {
    const source = this.source;
    return this.name === undefined && typeof source === "object" && source.unique !== true
      ? source
      : undefined;
  }

  finished(): void {
    const source = this.source;
    if (typeof source === "function") source();
    else source?.finished();
  }
}

/**
 * memberlist's `TransmitLimitedQueue`: broadcasts grouped into tiers by how
 * often they were sent, each tier grouped by message length (see
 * {@linkcode BroadcastTier}), so that filling a packet costs a search over the
 * few lengths present per message taken rather than a sort of the whole queue
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
  /** `#tiers[t]` holds the entries sent `t` times. */
  #tiers: BroadcastTier<Entry>[] = [];
  /** Named entries, from queueing until the queue lets go of them. */
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
    const msg = b.message();
    const name = b.name || undefined;
    this.#queue(
      new Entry(msg, this.#nextId++, name, b),
      name === undefined && b.unique !== true ? b : undefined,
    );
  }

  /**
   * Queues `msg` under `name`, replacing the queued message with the same
   * name: a {@linkcode queueBroadcast} of a named broadcast without the
   * broadcast object (the engine queues one per node pair in a join storm).
   *
   * @param name the subject; must not be empty
   * @param notify called once the queue lets go of it (sent enough, superseded, pruned or reset)
   */
  queueNamed(name: string, msg: Uint8Array, notify?: () => void): void {
    this.#queue(new Entry(msg, this.#nextId++, name, notify), undefined);
  }

  /**
   * Queues `msg`, never superseded: a {@linkcode queueBroadcast} of a
   * `unique` broadcast without the broadcast object (Serf's intents, events
   * and queries).
   *
   * @param notify called once the queue lets go of it (sent enough, pruned or reset)
   */
  queueUnique(msg: Uint8Array, notify?: () => void): void {
    this.#queue(new Entry(msg, this.#nextId++, undefined, notify), undefined);
  }

  /** Queues `entry`, first dropping what it supersedes: by name, or what `comparable` invalidates. */
  #queue(entry: Entry, comparable: Broadcast | undefined): void {
    let superseded: Entry[] = [];
    if (entry.name !== undefined) {
      const old = this.#byName.get(entry.name);
      if (old) {
        const tier = this.#tiers[old.transmits];
        if (!tier?.remove(old)) {
          throw new Error(`Broadcast queue is corrupt: entry ${old.id} not in its tier`);
        }
        this.#size--;
        superseded.push(old);
      }
      this.#byName.set(entry.name, entry);
    } else if (comparable !== undefined) {
      for (const tier of this.#tiers) {
        const gone = tier.removeWhere((cur) => {
          const other = cur.comparable;
          return other !== undefined && comparable.invalidates(other);
        });
        if (gone.length > 0) superseded = superseded.concat(gone);
      }
      this.#size -= superseded.length;
    }

    this.#tierFor(0).add(entry);
    this.#size++;
    for (const old of superseded) old.finished();
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
    let done: Entry[] | undefined;
    let free = limitBytes - overheadPerMsg;
    // Promoted entries are re-added only after the walk, or a message could
    // be taken twice as the walk reaches the next tier.
    const tiers = this.#tiers;
    for (let t = 0; t < tiers.length && free > 0;) {
      const entry = tiers[t]!.takeFitting(free);
      if (entry === undefined) {
        t++;
        continue;
      }
      free -= overheadPerMsg + entry.length;
      out.push(entry.msg);
      if (entry.transmits + 1 >= transmitLimit) {
        (done ??= []).push(entry);
      } else {
        entry.transmits++;
        promoted.push(entry);
      }
    }

    // Backwards: a packet takes each length's newest first, so this re-adds them oldest first, and
    // any newer than all waiting in the next tier append rather than splice.
    for (let i = promoted.length - 1; i >= 0; i--) this.#tierFor(promoted[i]!.transmits).add(promoted[i]!);
    this.#trimTiers();
    if (done !== undefined) {
      this.#size -= done.length;
      for (const entry of done) if (entry.name !== undefined) this.#byName.delete(entry.name);
      for (const entry of done) entry.finished();
    }
    return out;
  }

  /**
   * Keeps at most `maxRetain` broadcasts, dropping (and finishing) the most
   * sent first and, among those, the smallest and oldest: memberlist's
   * guard against an unbounded queue when updates arrive faster than they
   * can be gossiped.
   */
  prune(maxRetain: number): void {
    if (this.#size <= maxRetain) return;
    let dropped: Entry[] = [];
    for (let t = this.#tiers.length - 1; t >= 0 && this.#size > maxRetain; t--) {
      const gone = this.#tiers[t]!.takeLast(this.#size - maxRetain);
      this.#size -= gone.length;
      dropped = dropped.concat(gone);
    }
    for (const entry of dropped) if (entry.name !== undefined) this.#byName.delete(entry.name);
    this.#trimTiers();
    for (const entry of dropped) entry.finished();
  }

  /** Drops (and finishes) every queued broadcast. */
  reset(): void {
    const all = this.#tiers.flatMap((tier) => tier.takeLast(tier.size));
    this.#tiers = [];
    this.#byName.clear();
    this.#size = 0;
    for (const entry of all) entry.finished();
  }

  #tierFor(transmits: number): BroadcastTier<Entry> {
    while (this.#tiers.length <= transmits) this.#tiers.push(new BroadcastTier());
    return this.#tiers[transmits]!;
  }

  /** Drops empty tiers at the top so walks stay short after a burst drains. */
  #trimTiers(): void {
    while (this.#tiers.length > 0 && this.#tiers[this.#tiers.length - 1]!.size === 0) this.#tiers.pop();
  }
}
