/**
 * Hooks through which the layer above (Serf) plugs into the gossip engine.
 * All hooks are called synchronously on the engine's receive path or timers:
 * they must return quickly and must not throw (a throw is caught and logged).
 *
 * @module
 */
import type { Node } from "./node.ts";

/**
 * Application data riding on gossip: metadata, user messages, and push/pull state.
 *
 * @example The metadata a node advertises comes from its delegate
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 * import type { Delegate } from "./delegate.ts";
 *
 * const delegate: Delegate = {
 *   nodeMeta: () => new TextEncoder().encode("role=web"),
 *   notifyMsg: () => {},
 *   getBroadcasts: () => [],
 *   localState: () => new Uint8Array(),
 *   mergeRemoteState: () => {},
 * };
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const node = Memberlist.create({ name: "a", bindAddr: "127.0.0.1", transport, clock, delegate });
 * assert.equal(new TextDecoder().decode(node.localNode().meta), "role=web");
 * await node.shutdown();
 * ```
 */
export interface Delegate {
  /** Metadata advertised with our alive message; at most `limit` bytes. */
  nodeMeta(limit: number): Uint8Array;
  /**
   * A user message arrived (packet or stream). The buffer is ours to keep,
   * unless {@linkcode Delegate.borrowsMessages} says otherwise.
   */
  notifyMsg(msg: Uint8Array): void;
  /**
   * True when {@linkcode Delegate.notifyMsg} reads its buffer only during
   * the call and copies whatever it keeps (as Go memberlist asks of every
   * delegate). Memberlist then hands it a view into the received packet,
   * which may be reused afterwards, instead of a copy of each message: a
   * delegate that drops most messages as repeats saves an allocation each.
   * @default false
   */
  readonly borrowsMessages?: boolean;
  /** Extra user broadcasts to piggyback, each costing `overhead` bytes plus its length, within `limit`. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[];
  /**
   * How many user broadcasts wait to be sent, for a delegate that can tell
   * cheaply. With it, gossip sleeps while nothing at all is queued (an idle
   * node then has no 200 ms timer), so the delegate must call
   * `Memberlist.wakeGossip()` after queueing one. Without it gossip ticks every
   * interval, as memberlist does.
   */
  pendingBroadcasts?(): number;
  /** State sent in push/pull; `join` is true when the exchange is part of a join. */
  localState(join: boolean): Uint8Array;
  /** State received in push/pull. */
  mergeRemoteState(buf: Uint8Array, join: boolean): void;
}

/**
 * Membership changes as this node learns them.
 *
 * @example A node learns of itself first
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 * import type { EventDelegate } from "./delegate.ts";
 *
 * const joined: string[] = [];
 * const events: EventDelegate = {
 *   notifyJoin: (node) => joined.push(node.name),
 *   notifyLeave: () => {},
 *   notifyUpdate: () => {},
 * };
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const node = Memberlist.create({ name: "a", bindAddr: "127.0.0.1", transport, clock, events });
 * assert.deepEqual(joined, ["a"]);
 * await node.shutdown();
 * ```
 */
export interface EventDelegate {
  /** A node became alive (including this node, at start). */
  notifyJoin(node: Node): void;
  /** A node left or was declared dead. */
  notifyLeave(node: Node): void;
  /** A known node changed its metadata or address. */
  notifyUpdate(node: Node): void;
}

/**
 * Lets the layer above ride on probe acks (Serf puts Vivaldi coordinates there).
 *
 * @example Collecting round-trip times, as Serf does to feed Vivaldi
 * ```ts
 * import assert from "node:assert/strict";
 * import { NodeState, type Node } from "../../mod.ts";
 * import type { PingDelegate } from "./delegate.ts";
 *
 * const rtts = new Map<string, number>();
 * const ping: PingDelegate = {
 *   ackPayload: () => new Uint8Array([1]),
 *   notifyPingComplete: (node, rttMs) => void rtts.set(node.name, rttMs),
 * };
 * const peer = { name: "b", state: NodeState.alive } as Node;
 * ping.notifyPingComplete(peer, 12.5, new Uint8Array());
 * assert.equal(rtts.get("b"), 12.5);
 * ```
 */
export interface PingDelegate {
  /** Payload for acks we send. */
  ackPayload(): Uint8Array;
  /** A direct probe to `node` completed after `rttMs` with the peer's ack payload. */
  notifyPingComplete(node: Node, rttMs: number, payload: Uint8Array): void;
}

/**
 * Veto over merging a remote cluster's state during a join.
 *
 * @example Refusing to merge with a cluster that has a node named "rogue"
 * ```ts
 * import assert from "node:assert/strict";
 * import { NodeState, type Node } from "../../mod.ts";
 * import type { MergeDelegate } from "./delegate.ts";
 *
 * const merge: MergeDelegate = {
 *   notifyMerge: (peers) => peers.some((p) => p.name === "rogue") ? "Cannot merge: rogue node" : undefined,
 * };
 * const peer = (name: string) => ({ name, state: NodeState.alive }) as Node;
 * assert.equal(merge.notifyMerge([peer("b")]), undefined);
 * assert.equal(merge.notifyMerge([peer("b"), peer("rogue")]), "Cannot merge: rogue node");
 * ```
 */
export interface MergeDelegate {
  /** Returns an error message to refuse the merge, or undefined to accept. */
  notifyMerge(peers: Node[]): string | undefined;
}

/**
 * Told when another node claims our name, or a known name from another address.
 *
 * @example Recording conflicts for an operator
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Node } from "../../mod.ts";
 * import type { ConflictDelegate } from "./delegate.ts";
 *
 * const seen: string[] = [];
 * const conflict: ConflictDelegate = {
 *   notifyConflict: (existing, other) => void seen.push(`${existing.name}: ${other.addr.join(".")}`),
 * };
 * const node = (addr: number[]) => ({ name: "a", addr: new Uint8Array(addr) }) as Node;
 * conflict.notifyConflict(node([10, 0, 0, 1]), node([10, 0, 0, 2]));
 * assert.deepEqual(seen, ["a: 10.0.0.2"]);
 * ```
 */
export interface ConflictDelegate {
  /** `other` claims `existing`'s name from a different address. */
  notifyConflict(existing: Node, other: Node): void;
}

/**
 * Veto over admitting a node from its alive message.
 *
 * @example Admitting only nodes whose names carry the cluster's prefix
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Node } from "../../mod.ts";
 * import type { AliveDelegate } from "./delegate.ts";
 *
 * const alive: AliveDelegate = {
 *   notifyAlive: (peer) => peer.name.startsWith("prod-") ? undefined : `Rejecting ${peer.name}: not prod`,
 * };
 * assert.equal(alive.notifyAlive({ name: "prod-1" } as Node), undefined);
 * assert.equal(alive.notifyAlive({ name: "dev-1" } as Node), "Rejecting dev-1: not prod");
 * ```
 */
export interface AliveDelegate {
  /** Returns an error message to ignore the alive message, or undefined to accept. */
  notifyAlive(peer: Node): string | undefined;
}
