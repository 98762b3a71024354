/**
 * Hooks through which the layer above (Serf) plugs into the gossip engine.
 * All hooks are called synchronously on the engine's receive path or timers:
 * they must return quickly and must not throw (a throw is caught and logged).
 *
 * @module
 */
import type { Node } from "./node.ts";

/** Application data riding on gossip: metadata, user messages, and push/pull state. */
export interface Delegate {
  /** Metadata advertised with our alive message; at most `limit` bytes. */
  nodeMeta(limit: number): Uint8Array;
  /** A user message arrived (packet or stream). The buffer is ours to keep. */
  notifyMsg(msg: Uint8Array): void;
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

/** Membership changes as this node learns them. */
export interface EventDelegate {
  notifyJoin(node: Node): void;
  notifyLeave(node: Node): void;
  notifyUpdate(node: Node): void;
}

/** Lets the layer above ride on probe acks (Serf puts Vivaldi coordinates there). */
export interface PingDelegate {
  /** Payload for acks we send. */
  ackPayload(): Uint8Array;
  /** A direct probe to `node` completed after `rttMs` with the peer's ack payload. */
  notifyPingComplete(node: Node, rttMs: number, payload: Uint8Array): void;
}

/** Veto over merging a remote cluster's state during a join. */
export interface MergeDelegate {
  /** Returns an error message to refuse the merge, or undefined to accept. */
  notifyMerge(peers: Node[]): string | undefined;
}

/** Told when another node claims our name, or a known name from another address. */
export interface ConflictDelegate {
  notifyConflict(existing: Node, other: Node): void;
}

/** Veto over admitting a node from its alive message. */
export interface AliveDelegate {
  /** Returns an error message to ignore the alive message, or undefined to accept. */
  notifyAlive(peer: Node): string | undefined;
}
