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
  asBool,
  asBytes,
  asInt,
  asMap,
  asString,
  asStruct,
  asUint,
  decodeMsgpackPrefix,
  decodeStructPrefix,
  encodeMsgpack,
  goStruct,
  type MsgpackEncodable,
} from "../codec/msgpack.ts";
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

function memberStruct(m: WireMember): Map<string, MsgpackEncodable> {
  return goStruct({
    Name: m.name,
    Addr: goBytes(m.addr),
    Port: m.port,
    Tags: sortedMap(m.tags),
    Status: m.status,
    ProtocolMin: m.protocolMin,
    ProtocolMax: m.protocolMax,
    ProtocolCur: m.protocolCur,
    DelegateMin: m.delegateMin,
    DelegateMax: m.delegateMax,
    DelegateCur: m.delegateCur,
  });
}

/** The msgpack body of a message, following Serf's nil-versus-empty choices field by field. */
function body(msg: SerfMessage): MsgpackEncodable {
  switch (msg.type) {
    case "join":
      return goStruct({ LTime: msg.lTime, Node: msg.node });
    case "leave":
      return goStruct({ LTime: msg.lTime, Node: msg.node, Prune: msg.prune });
    case "pushPull":
      // Serf builds StatusLTimes and LeftMembers with make(), so empty ones are 0x80/0x90, not nil.
      return goStruct({
        LTime: msg.lTime,
        StatusLTimes: sortedMap(msg.statusLTimes),
        LeftMembers: msg.leftMembers,
        EventLTime: msg.eventLTime,
        Events: msg.events.map((at) =>
          goStruct({
            LTime: at.lTime,
            Events: at.events.map((e) => goStruct({ Name: e.name, Payload: goBytes(e.payload) })),
          })
        ),
        QueryLTime: msg.queryLTime,
      });
    case "userEvent":
      // goStruct's order, spelled out: this runs once per event, thousands a second under `serf event` load.
      return new Map<string, MsgpackEncodable>([
        ["CC", msg.cc],
        ["LTime", msg.lTime],
        ["Name", msg.name],
        ["Payload", goBytes(msg.payload)],
      ]);
    case "query":
      return goStruct({
        LTime: msg.lTime,
        ID: msg.id,
        Addr: goBytes(msg.addr),
        Port: msg.port,
        SourceNode: msg.sourceNode,
        // Serf's filter list starts nil and is only appended to.
        Filters: msg.filters.length > 0 ? msg.filters : null,
        Flags: msg.flags,
        RelayFactor: msg.relayFactor,
        Timeout: durationNs(msg.timeoutMs),
        Name: msg.name,
        Payload: goBytes(msg.payload),
      });
    case "queryResponse":
      return goStruct({
        LTime: msg.lTime,
        ID: msg.id,
        From: msg.from,
        Flags: msg.flags,
        Payload: goBytes(msg.payload),
      });
    case "conflictResponse":
      return msg.member ? memberStruct(msg.member) : null;
    case "keyRequest":
      // Serf decodes the key from base64 even for list-keys, giving an empty non-nil slice: 0xa0.
      return goStruct({ Key: msg.key });
    case "keyResponse":
      return goStruct({
        Result: msg.result,
        Message: msg.message,
        Keys: msg.keys.length > 0 ? msg.keys : null,
        PrimaryKey: msg.primaryKey,
      });
  }
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
  const s = asStruct(value, "member");
  const u8 = (field: string) => asUint(s[field], field, 0xff);
  return {
    name: asString(s.Name, "Name"),
    addr: asBytes(s.Addr, "Addr"),
    port: asUint(s.Port, "Port", 0xffff),
    tags: asStringMap(s.Tags, "Tags"),
    status: asInt(s.Status, "Status"),
    protocolMin: u8("ProtocolMin"),
    protocolMax: u8("ProtocolMax"),
    protocolCur: u8("ProtocolCur"),
    delegateMin: u8("DelegateMin"),
    delegateMax: u8("DelegateMax"),
    delegateCur: u8("DelegateCur"),
  };
}

function decodeEvents(value: unknown): UserEvents[] {
  const slots = asArray(value, "Events");
  checkCount(slots.length, MAX_PUSH_PULL_EVENT_SLOTS, "Events");
  const out: UserEvents[] = [];
  for (const slot of slots) {
    if (slot === null) continue;
    const s = asStruct(slot, "userEvents");
    const events = asArray(s.Events, "Events.Events");
    checkCount(events.length, MAX_EVENTS_PER_SLOT, "Events.Events");
    out.push({
      lTime: asLTime(s.LTime, "Events.LTime"),
      events: events.map((e) => {
        const f = asStruct(e, "userEvent");
        return { name: asString(f.Name, "Name"), payload: asBytes(f.Payload, "Payload") };
      }),
    });
  }
  return out;
}

/** Decodes the body of a message of type `type`. */
function decodeBody(type: number, b: Uint8Array): SerfMessage {
  switch (type) {
    case SerfMessageType.join: {
      const s = decodeStructPrefix(b, "join");
      return { type: "join", lTime: asLTime(s.LTime, "LTime"), node: asString(s.Node, "Node") };
    }
    case SerfMessageType.leave: {
      const s = decodeStructPrefix(b, "leave");
      return {
        type: "leave",
        lTime: asLTime(s.LTime, "LTime"),
        node: asString(s.Node, "Node"),
        prune: asBool(s.Prune, "Prune"),
      };
    }
    case SerfMessageType.pushPull: {
      const s = decodeStructPrefix(b, "push/pull");
      const statusLTimes: Record<string, LamportTime> = Object.create(null);
      for (const [name, t] of Object.entries(asMap(s.StatusLTimes, "StatusLTimes"))) {
        statusLTimes[name] = asLTime(t, `StatusLTimes[${name}]`);
      }
      return {
        type: "pushPull",
        lTime: asLTime(s.LTime, "LTime"),
        statusLTimes,
        leftMembers: asStrings(s.LeftMembers, "LeftMembers"),
        eventLTime: asLTime(s.EventLTime, "EventLTime"),
        events: decodeEvents(s.Events),
        queryLTime: asLTime(s.QueryLTime, "QueryLTime"),
      };
    }
    case SerfMessageType.userEvent: {
      const s = decodeStructPrefix(b, "user event");
      return {
        type: "userEvent",
        lTime: asLTime(s.LTime, "LTime"),
        name: asString(s.Name, "Name"),
        payload: asBytes(s.Payload, "Payload"),
        cc: asBool(s.CC, "CC"),
      };
    }
    case SerfMessageType.query: {
      const s = decodeStructPrefix(b, "query");
      const filters = asArray(s.Filters, "Filters");
      checkCount(filters.length, MAX_QUERY_FILTERS, "Filters");
      return {
        type: "query",
        lTime: asLTime(s.LTime, "LTime"),
        id: asUint(s.ID, "ID"),
        addr: asBytes(s.Addr, "Addr"),
        port: asUint(s.Port, "Port", 0xffff),
        sourceNode: asString(s.SourceNode, "SourceNode"),
        filters: filters.map((f, i) => asBytes(f, `Filters[${i}]`)),
        flags: asUint(s.Flags, "Flags"),
        relayFactor: asUint(s.RelayFactor, "RelayFactor", 0xff),
        timeoutMs: asDurationMs(s.Timeout, "Timeout"),
        name: asString(s.Name, "Name"),
        payload: asBytes(s.Payload, "Payload"),
      };
    }
    case SerfMessageType.queryResponse: {
      const s = decodeStructPrefix(b, "query response");
      return {
        type: "queryResponse",
        lTime: asLTime(s.LTime, "LTime"),
        id: asUint(s.ID, "ID"),
        from: asString(s.From, "From"),
        flags: asUint(s.Flags, "Flags"),
        payload: asBytes(s.Payload, "Payload"),
      };
    }
    case SerfMessageType.conflictResponse:
      return { type: "conflictResponse", member: decodeMember(decodeMsgpackPrefix(b).value) };
    case SerfMessageType.keyRequest:
      return { type: "keyRequest", key: asBytes(decodeStructPrefix(b, "key request").Key, "Key") };
    case SerfMessageType.keyResponse: {
      const s = decodeStructPrefix(b, "key response");
      return {
        type: "keyResponse",
        result: asBool(s.Result, "Result"),
        message: asString(s.Message, "Message"),
        keys: asStrings(s.Keys, "Keys", MAX_RESPONSE_KEYS),
        primaryKey: asString(s.PrimaryKey, "PrimaryKey"),
      };
    }
    case SerfMessageType.relay:
      throw new DecodeError("Cannot decode message: relay messages are read with decodeRelayMessage");
    default:
      throw new DecodeError(`Cannot decode message: unknown type ${type}`);
  }
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
