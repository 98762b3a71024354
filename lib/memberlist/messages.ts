/**
 * memberlist's messages as TypeScript values. The wire encoding (Go field
 * names, msgpack, type bytes) lives in `wire.ts`; the engine works with these
 * typed values only.
 *
 * @module
 */

/** The first byte of every memberlist packet or stream message. */
export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ackResp: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nackResp: 11,
  hasCrc: 12,
  err: 13,
  /** memberlist 0.5+: a label header that prefixes packets and streams. */
  hasLabel: 244,
} as const;
export type MessageTypeCode = typeof MessageType[keyof typeof MessageType];

/**
 * Node states as memberlist numbers them on the wire (pushNodeState.State).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NodeState } from "../../mod.ts";
 *
 * assert.deepEqual(Object.values(NodeState), [0, 1, 2, 3]);
 * assert.equal(NodeState.dead, 2);
 * ```
 */
export const NodeState = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
/**
 * A node state's number (0-3), one of the values of {@linkcode NodeState}, as
 * `Node.state` carries it.
 *
 * @example Narrowing a number read from elsewhere
 * ```ts
 * import assert from "node:assert/strict";
 * import { NodeState, type NodeStateCode } from "../../mod.ts";
 *
 * function asStateCode(n: number): NodeStateCode | undefined {
 *   return (Object.values(NodeState) as number[]).includes(n) ? n as NodeStateCode : undefined;
 * }
 * assert.equal(asStateCode(1), NodeState.suspect);
 * assert.equal(asStateCode(7), undefined);
 * ```
 */
export type NodeStateCode = typeof NodeState[keyof typeof NodeState];

/** Direct probe. `node` lets the target reject probes meant for a previous owner of its address. */
export interface PingMessage {
  type: "ping";
  seqNo: number;
  node: string;
  /** Where to send the ack (omitted on the wire when empty/zero). */
  sourceAddr?: Uint8Array;
  sourcePort?: number;
  sourceNode?: string;
}

/** Ask a peer to probe `target` on our behalf (SWIM indirect probe). */
export interface IndirectPingMessage {
  type: "indirectPing";
  seqNo: number;
  target: Uint8Array;
  port: number;
  node: string;
  /** Lifeguard: ask for a nack if the target does not answer. */
  nack: boolean;
  sourceAddr?: Uint8Array;
  sourcePort?: number;
  sourceNode?: string;
}

/** Answer to a ping; the payload carries the ping delegate's data (Serf: coordinates). */
export interface AckMessage {
  type: "ackResp";
  seqNo: number;
  payload: Uint8Array;
}

/** Lifeguard: an indirect prober saying it tried and got nothing. */
export interface NackMessage {
  type: "nackResp";
  seqNo: number;
}

/** Error relayed over a stream. */
export interface ErrMessage {
  type: "err";
  error: string;
}

export interface SuspectMessage {
  type: "suspect";
  incarnation: number;
  node: string;
  from: string;
}

/** Also used to join and to refute a suspicion. */
export interface AliveMessage {
  type: "alive";
  incarnation: number;
  node: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  /** pmin, pmax, pcur, dmin, dmax, dcur */
  vsn: number[];
}

/** Also used to leave: a node declaring itself dead (from === node) is leaving. */
export interface DeadMessage {
  type: "dead";
  incarnation: number;
  node: string;
  from: string;
}

/** Header of a push/pull exchange, followed by `nodes` node states and `userStateLen` bytes. */
export interface PushPullHeader {
  nodes: number;
  userStateLen: number;
  join: boolean;
}

/** One node's state in a push/pull exchange. */
export interface PushNodeState {
  name: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  incarnation: number;
  state: NodeStateCode;
  vsn: number[];
}

/** Header of a user message sent over a stream. */
export interface UserMsgHeader {
  userMsgLen: number;
}

/** Compressed envelope (algo 0 = LZW). */
export interface CompressMessage {
  algo: number;
  buf: Uint8Array;
}

/** Messages that travel as a single msgpack body after their type byte. */
export type BodyMessage =
  | PingMessage
  | IndirectPingMessage
  | AckMessage
  | NackMessage
  | ErrMessage
  | SuspectMessage
  | AliveMessage
  | DeadMessage;
