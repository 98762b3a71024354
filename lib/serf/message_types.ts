/**
 * Serf's message type bytes, flags, bounds and the TypeScript shapes of its
 * messages. Import them through `messages.ts`, which also encodes and decodes them.
 *
 * @module
 */
import type { LamportTime } from "./lamport.ts";
import type { MemberVersions } from "./types.ts";

/** Serf's message type bytes. */
export const SerfMessageType = {
  leave: 0,
  join: 1,
  pushPull: 2,
  userEvent: 3,
  query: 4,
  queryResponse: 5,
  conflictResponse: 6,
  keyRequest: 7,
  keyResponse: 8,
  relay: 9,
} as const;

/** Query flag: every node that processes the query acknowledges it. */
export const QUERY_FLAG_ACK = 1;
/** Query flag: receivers must not re-gossip the query. */
export const QUERY_FLAG_NO_BROADCAST = 2;

/** Most filters accepted in one query; Serf's 1 KiB query limit allows far fewer. */
export const MAX_QUERY_FILTERS = 1024;
/** Most event-ring slots accepted in a push/pull (Serf's ring has 512 by default). */
export const MAX_PUSH_PULL_EVENT_SLOTS = 16_384;
/** Most events accepted in one slot (events sharing one LTime). */
export const MAX_EVENTS_PER_SLOT = 16_384;
/** Most keys accepted in one key-query response (Serf's 1 KiB response limit fits about 40). */
export const MAX_RESPONSE_KEYS = 1024;

/** Broadcast after joining: ties the node to a Lamport time. */
export interface JoinMessage {
  type: "join";
  lTime: LamportTime;
  node: string;
}

/** Broadcast to announce an intentional leave (`prune` also erases the node). */
export interface LeaveMessage {
  type: "leave";
  lTime: LamportTime;
  node: string;
  prune: boolean;
}

/** One user event inside a push/pull (Go's `userEvent`; the coalesce flag does not travel here). */
export interface UserEventRecord {
  name: string;
  payload: Uint8Array;
}

/** The user events seen at one event-clock time (Go's `userEvents`). */
export interface UserEvents {
  lTime: LamportTime;
  events: UserEventRecord[];
}

/**
 * Serf's state in a memberlist push/pull. Serf sends its whole event ring, so
 * empty slots arrive as nil entries; decoding drops them (Serf skips them too).
 */
export interface PushPullMessage {
  type: "pushPull";
  lTime: LamportTime;
  /** Member name to the Lamport time of its last join/leave intent. No prototype when decoded. */
  statusLTimes: Record<string, LamportTime>;
  leftMembers: string[];
  eventLTime: LamportTime;
  events: UserEvents[];
  queryLTime: LamportTime;
}

/** A user event (`serf event`); `cc` ("can coalesce") lets receivers coalesce same-named events. */
export interface UserEventMessage {
  type: "userEvent";
  lTime: LamportTime;
  name: string;
  payload: Uint8Array;
  cc: boolean;
}

/** A query (`serf query`), answered directly to `addr:port`. */
export interface QueryMessage {
  type: "query";
  lTime: LamportTime;
  /** Random per query, unique per LTime. Go `uint32`. */
  id: number;
  /** Asker's IP, 4 or 16 bytes, as memberlist knows it. */
  addr: Uint8Array;
  port: number;
  sourceNode: string;
  /** Encoded filters, see `encodeFilter`. */
  filters: Uint8Array[];
  /** `QUERY_FLAG_*` bits. */
  flags: number;
  /** How many extra members relay each response (0-255). */
  relayFactor: number;
  /**
   * Go's `Timeout time.Duration`, which travels as int64 nanoseconds; here in
   * milliseconds (fractions kept), exact to the nanosecond below about 26 days.
   */
  timeoutMs: number;
  name: string;
  payload: Uint8Array;
}

/** A response or (with `QUERY_FLAG_ACK`) an acknowledgement of a query. */
export interface QueryResponseMessage {
  type: "queryResponse";
  lTime: LamportTime;
  id: number;
  from: string;
  flags: number;
  payload: Uint8Array;
}

/** Serf's `Member` as it travels in a conflict response. `status` is Serf's code (1 alive ... 4 failed). */
export interface WireMember extends MemberVersions {
  name: string;
  /** IP, 4 or 16 bytes. */
  addr: Uint8Array;
  port: number;
  tags: Record<string, string>;
  status: number;
}

/** Answer to a `_serf_conflict` query: the member we know by that name, or null (Go's nil *Member). */
export interface ConflictResponseMessage {
  type: "conflictResponse";
  member: WireMember | null;
}

/** Payload of the `_serf_*-key` queries. `list-keys` sends an empty key. */
export interface KeyRequestMessage {
  type: "keyRequest";
  key: Uint8Array;
}

/** One node's answer to a key query (Go's `nodeKeyResponse`). */
export interface NodeKeyResponse {
  result: boolean;
  message: string;
  /** Base64 keys, for list-keys. */
  keys: string[];
  /** Base64 primary key, for list-keys. */
  primaryKey: string;
}

/** A {@linkcode NodeKeyResponse} as a message. */
export interface KeyResponseMessage extends NodeKeyResponse {
  type: "keyResponse";
}

/** Every Serf message except the relay envelope. */
export type SerfMessage =
  | JoinMessage
  | LeaveMessage
  | PushPullMessage
  | UserEventMessage
  | QueryMessage
  | QueryResponseMessage
  | ConflictResponseMessage
  | KeyRequestMessage
  | KeyResponseMessage;
