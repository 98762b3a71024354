/**
 * Serf's wire format (Serf 0.9.4), carried inside memberlist user messages,
 * broadcasts, push/pull user state and query payloads.
 *
 * A message is one type byte followed by a msgpack map whose keys are the Go
 * struct's field names in byte order (go-msgpack sorts them). The relay
 * envelope is a type byte, a msgpack header, then a whole inner message. Tags,
 * query filters and the ping payload live in `message_payloads.ts` and are
 * re-exported here, so this module is the one import for the whole format. The
 * exact bytes are pinned by `tests/data/golden/serf.json`.
 *
 * Every decoder throws `DecodeError` on bad input and nothing else.
 *
 * @module
 */
import {
  asArray,
  asBytes,
  asInt,
  asMap,
  asString,
  asStruct,
  decodeMsgpackPrefix,
  decodeStructPrefix,
  encodeMsgpack,
  goStruct,
  type MsgpackEncodable,
} from "../codec/msgpack.ts";
import { type FieldKind, fieldKind, GoStructSchema } from "../codec/go_struct_schema.ts";
import { DecodeError } from "../util/errors.ts";
import type { LamportTime } from "./lamport.ts";
import {
  type ConflictResponseMessage,
  type KeyRequestMessage,
  type KeyResponseMessage,
  MAX_EVENTS_PER_SLOT,
  MAX_PUSH_PULL_EVENT_SLOTS,
  MAX_QUERY_FILTERS,
  MAX_RESPONSE_KEYS,
  type NodeKeyResponse,
  type SerfMessage,
  SerfMessageType,
  type UserEvents,
  type WireMember,
} from "./message_types.ts";
import {
  asLTime,
  asStringMap,
  asStrings,
  checkCount,
  goBytes,
  sortedMap,
  withLead,
} from "./message_payloads.ts";

export {
  type ConflictResponseMessage,
  type JoinMessage,
  type KeyRequestMessage,
  type KeyResponseMessage,
  type LeaveMessage,
  MAX_EVENTS_PER_SLOT,
  MAX_PUSH_PULL_EVENT_SLOTS,
  MAX_QUERY_FILTERS,
  MAX_RESPONSE_KEYS,
  type NodeKeyResponse,
  type PushPullMessage,
  QUERY_FLAG_ACK,
  QUERY_FLAG_NO_BROADCAST,
  type QueryMessage,
  type QueryResponseMessage,
  type SerfMessage,
  SerfMessageType,
  type UserEventMessage,
  type UserEventRecord,
  type UserEvents,
  type WireMember,
} from "./message_types.ts";
export {
  type Coordinate,
  decodeFilter,
  decodePingPayload,
  decodeTags,
  encodeFilter,
  encodePingPayload,
  encodeTags,
  FilterType,
  MAX_COORDINATE_DIMENSIONS,
  type NodeFilter,
  PING_VERSION,
  type QueryFilter,
  TAG_MAGIC_BYTE,
  type TagFilter,
} from "./message_payloads.ts";

const INT64_LIMIT = 2n ** 63n;

/** Milliseconds to Go's `time.Duration` nanoseconds. */
function durationNs(ms: number): number {
  const ns = Math.round(ms * 1e6);
  if (!Number.isFinite(ns) || Math.abs(ns) >= 2 ** 63) {
    throw new RangeError(
      `Cannot encode query: timeout must fit int64 nanoseconds: current value is ${ms} ms`,
    );
  }
  return ns;
}

/** A `time.Duration` field (int64 nanoseconds) in milliseconds. */
function asDurationMs(value: unknown, field: string): number {
  if (typeof value === "bigint") {
    if (value < -INT64_LIMIT || value >= INT64_LIMIT) {
      throw new DecodeError(`Cannot decode field '${field}': expected an int64, got number ${value}`);
    }
    return Number(value) / 1e6;
  }
  return asInt(value, field) / 1e6;
}

/** Serf's field kinds beyond the shared ones (Lamport times, durations, maps and lists as Serf writes them). */
const SERF_KINDS: Readonly<Record<string, FieldKind<unknown>>> = {
  ltime: fieldKind(asLTime),
  /** A `time.Duration` (int64 nanoseconds), in milliseconds. */
  dur: fieldKind(asDurationMs, durationNs),
  /** `map[string]string` tags, written in sorted order. */
  tags: fieldKind(asStringMap, (t: Record<string, string>) => sortedMap(t)),
  /** Serf builds StatusLTimes and LeftMembers with make(): empty ones are 0x80/0x90, never nil. */
  ltimes: fieldKind(decodeLTimes, (t: Record<string, LamportTime>) => sortedMap(t)),
  strs: fieldKind((v, f) => asStrings(v, f)),
  /** Key lists start nil and are only appended to. */
  keys: fieldKind((v, f) => asStrings(v, f, MAX_RESPONSE_KEYS), (k: string[]) => k.length > 0 ? k : null),
  filters: fieldKind(decodeFilters, (f: Uint8Array[]) => f.length > 0 ? f : null),
  events: fieldKind(decodeEvents, encodeEvents),
};

const MEMBER = new GoStructSchema<WireMember>(
  "Name:str Addr:bytes Port:u16 Tags:tags Status:int ProtocolMin:u8 ProtocolMax:u8 ProtocolCur:u8 " +
    "DelegateMin:u8 DelegateMax:u8 DelegateCur:u8",
  SERF_KINDS,
);
const USER_EVENT_RECORD = new GoStructSchema<{ name: string; payload: Uint8Array }>("Name:str Payload:bytes");

/** Each message's Go struct (messageJoin, messageLeave, ... in Serf's messages.go). */
const BODIES: Readonly<Record<Exclude<SerfMessage["type"], "conflictResponse">, GoStructSchema<object>>> = {
  join: new GoStructSchema("LTime:ltime Node:str", SERF_KINDS),
  leave: new GoStructSchema("LTime:ltime Node:str Prune:bool", SERF_KINDS),
  pushPull: new GoStructSchema(
    "LTime:ltime StatusLTimes:ltimes LeftMembers:strs EventLTime:ltime Events:events QueryLTime:ltime",
    SERF_KINDS,
  ),
  userEvent: new GoStructSchema("LTime:ltime Name:str Payload:bytes CC:bool", SERF_KINDS),
  query: new GoStructSchema(
    "LTime:ltime ID:u32 Addr:bytes Port:u16 SourceNode:str Filters:filters Flags:u32 RelayFactor:u8 " +
      "Timeout=timeoutMs:dur Name:str Payload:bytes",
    SERF_KINDS,
  ),
  queryResponse: new GoStructSchema("LTime:ltime ID:u32 From:str Flags:u32 Payload:bytes", SERF_KINDS),
  // Serf decodes the key from base64 even for list-keys, giving an empty non-nil slice: 0xa0.
  keyRequest: new GoStructSchema("Key:raw", SERF_KINDS),
  keyResponse: new GoStructSchema("Result:bool Message:str Keys:keys PrimaryKey:str", SERF_KINDS),
};

const BODY_BY_TYPE = new Map(
  (Object.keys(BODIES) as (keyof typeof BODIES)[]).map((name) => [SerfMessageType[name] as number, name]),
);

/** How errors name each message's struct. */
const WHAT: Readonly<Record<keyof typeof BODIES, string>> = {
  join: "join",
  leave: "leave",
  pushPull: "push/pull",
  userEvent: "user event",
  query: "query",
  queryResponse: "query response",
  keyRequest: "key request",
  keyResponse: "key response",
};

/** The msgpack body of a message, following Serf's nil-versus-empty choices field by field. */
function body(msg: SerfMessage): MsgpackEncodable {
  if (msg.type === "conflictResponse") return msg.member ? MEMBER.encode(msg.member) : null;
  return BODIES[msg.type].encode(msg);
}

/**
 * Encodes a message as Serf sends it: type byte, then msgpack body.
 *
 * @example
 * ```ts
 * import { decodeSerfMessage, encodeSerfMessage } from "./messages.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeSerfMessage({ type: "join", lTime: 1, node: "a" });
 * assert.equal(bytes[0], 1);
 * assert.deepEqual(decodeSerfMessage(bytes), { type: "join", lTime: 1, node: "a" });
 * ```
 * @throws {RangeError} for a query timeout outside int64 nanoseconds.
 */
export function encodeSerfMessage(msg: SerfMessage): Uint8Array {
  return withLead(SerfMessageType[msg.type], encodeMsgpack(body(msg)));
}

function decodeMember(value: unknown): WireMember | null {
  if (value === null || value === undefined) return null;
  return MEMBER.decode(asStruct(value, "member"));
}

function decodeLTimes(value: unknown, field: string): Record<string, LamportTime> {
  const out: Record<string, LamportTime> = Object.create(null);
  for (const [name, t] of Object.entries(asMap(value, field))) out[name] = asLTime(t, `${field}[${name}]`);
  return out;
}

function decodeFilters(value: unknown, field: string): Uint8Array[] {
  const filters = asArray(value, field);
  checkCount(filters.length, MAX_QUERY_FILTERS, field);
  return filters.map((f, i) => asBytes(f, `${field}[${i}]`));
}

/** The `Events` field of a push/pull state: user events by Lamport time, as msgpack values. */
export function encodeEvents(slots: UserEvents[]): MsgpackEncodable {
  return slots.map((at) =>
    goStruct({ LTime: at.lTime, Events: at.events.map((e) => USER_EVENT_RECORD.encode(e)) })
  );
}

/** Reads the `Events` field of a push/pull state (nil slots skipped), bounded as the whole message is. */
export function decodeEvents(value: unknown, field: string): UserEvents[] {
  const slots = asArray(value, field);
  checkCount(slots.length, MAX_PUSH_PULL_EVENT_SLOTS, field);
  const out: UserEvents[] = [];
  for (const slot of slots) {
    if (slot === null) continue;
    const s = asStruct(slot, "userEvents");
    const events = asArray(s.Events, `${field}.Events`);
    checkCount(events.length, MAX_EVENTS_PER_SLOT, `${field}.Events`);
    out.push({
      lTime: asLTime(s.LTime, `${field}.LTime`),
      events: events.map((e) => USER_EVENT_RECORD.decode(asStruct(e, "userEvent"))),
    });
  }
  return out;
}

/** Decodes the body of a message of type `type`. */
function decodeBody(type: number, b: Uint8Array): SerfMessage {
  if (type === SerfMessageType.conflictResponse) {
    return { type: "conflictResponse", member: decodeMember(decodeMsgpackPrefix(b).value) };
  }
  if (type === SerfMessageType.relay) {
    throw new DecodeError("Cannot decode message: relay messages are read with decodeRelayMessage");
  }
  const name = BODY_BY_TYPE.get(type);
  if (!name) throw new DecodeError(`Cannot decode message: unknown type ${type}`);
  return BODIES[name].decode(decodeStructPrefix(b, WHAT[name]), { type: name }) as SerfMessage;
}

/**
 * Decodes a whole message (type byte and body). Missing fields take Go's zero
 * values, unknown fields and bytes after the body are ignored, as in Serf.
 *
 * @throws {DecodeError} for an empty buffer, an unknown or relay type, malformed
 * msgpack, a field of the wrong type, a Lamport time above 2^53 - 1, or a list
 * longer than the bounds above.
 */
export function decodeSerfMessage(buf: Uint8Array): SerfMessage {
  if (buf.length === 0) throw new DecodeError("Cannot decode message: empty buffer");
  return decodeBody(buf[0]!, buf.subarray(1));
}

// ------------------------------------------------------------ query payload shortcuts

/** The conflict-query answer: `[conflictResponse][msgpack Member or nil]`. */
export function encodeConflictResponse(member: WireMember | null | undefined): Uint8Array {
  return encodeSerfMessage({ type: "conflictResponse", member: member ?? null });
}

/**
 * Reads a conflict-query answer. Serf counts a nil member as a response that
 * does not match, so null is returned rather than thrown.
 * @throws {DecodeError} for another type byte or a malformed member.
 */
export function decodeConflictResponse(payload: Uint8Array): WireMember | null {
  if (payload[0] !== SerfMessageType.conflictResponse) {
    throw new DecodeError(`Cannot decode conflict response: invalid type byte ${payload[0]}`);
  }
  return (decodeSerfMessage(payload) as ConflictResponseMessage).member;
}

/** The payload of a key query: `[keyRequest][msgpack {Key}]`. */
export function encodeKeyRequest(req: { key: Uint8Array }): Uint8Array {
  return encodeSerfMessage({ type: "keyRequest", key: req.key });
}

/**
 * Reads a key query's payload. Like Serf, the leading byte is skipped unchecked.
 * @throws {DecodeError} for an empty or malformed payload.
 */
export function decodeKeyRequest(payload: Uint8Array): { key: Uint8Array } {
  if (payload.length === 0) throw new DecodeError("Cannot decode key request: empty payload");
  return { key: (decodeBody(SerfMessageType.keyRequest, payload.subarray(1)) as KeyRequestMessage).key };
}

/** One node's key-query answer: `[keyResponse][msgpack nodeKeyResponse]`. */
export function encodeKeyResponse(resp: NodeKeyResponse): Uint8Array {
  return encodeSerfMessage({ type: "keyResponse", ...resp });
}

/**
 * Reads one node's key-query answer.
 * @throws {DecodeError} for another type byte (Serf reports "Invalid key query response type") or a malformed body.
 */
export function decodeKeyResponse(payload: Uint8Array): NodeKeyResponse {
  if (payload[0] !== SerfMessageType.keyResponse) {
    throw new DecodeError(`Cannot decode key response: invalid type byte ${payload[0]}`);
  }
  const { type: _type, ...resp } = decodeSerfMessage(payload) as KeyResponseMessage;
  return resp;
}

// ------------------------------------------------------------ relay envelope

/** Where a relayed query response finally goes (Go's `relayHeader` with its `net.UDPAddr`). */
export interface RelayHeader {
  /** Destination IP, 4 or 16 bytes. */
  destAddr: Uint8Array;
  destPort: number;
  /** IPv6 zone; empty otherwise. @default "" */
  destZone?: string;
  destName: string;
}

/**
 * Wraps a message for a relay: `[relay][msgpack {DestAddr: {IP, Port, Zone}, DestName}]`
 * then the whole inner message, type byte included.
 */
export function encodeRelayMessage(header: RelayHeader, inner: SerfMessage | Uint8Array): Uint8Array {
  const head = encodeMsgpack(goStruct({
    DestAddr: goStruct({ IP: goBytes(header.destAddr), Port: header.destPort, Zone: header.destZone ?? "" }),
    DestName: header.destName,
  }));
  const msg = inner instanceof Uint8Array ? inner : encodeSerfMessage(inner);
  const out = new Uint8Array(1 + head.length + msg.length);
  out[0] = SerfMessageType.relay;
  out.set(head, 1);
  out.set(msg, 1 + head.length);
  return out;
}

/**
 * Splits a relay message into its header and the inner message, which a relay
 * forwards verbatim without decoding it.
 * @throws {DecodeError} for another type byte, a malformed header, a port
 * outside 0-65535, or nothing to forward.
 */
export function decodeRelayMessage(buf: Uint8Array): { header: Required<RelayHeader>; inner: Uint8Array } {
  if (buf[0] !== SerfMessageType.relay) {
    throw new DecodeError(`Cannot decode relay message: invalid type byte ${buf[0]}`);
  }
  const { value, length } = decodeMsgpackPrefix(buf, 1);
  const s = asStruct(value, "relay header");
  const dest = asStruct(s.DestAddr, "DestAddr");
  const inner = buf.slice(1 + length);
  if (inner.length === 0) throw new DecodeError("Cannot decode relay message: no message to relay");
  return {
    header: {
      destAddr: asBytes(dest.IP, "DestAddr.IP"),
      destPort: asInt(dest.Port, "DestAddr.Port", 0, 0xffff),
      destZone: asString(dest.Zone, "DestAddr.Zone"),
      destName: asString(s.DestName, "DestName"),
    },
    inner,
  };
}
