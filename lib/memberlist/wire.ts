/**
 * memberlist's wire format (as of memberlist 0.2.2, plus the 0.5 label header).
 *
 * A message is one type byte followed by a msgpack map whose keys are the Go
 * struct's field names, in byte order of the names (go-msgpack sorts them).
 * Stream framing writes the push/pull header, node states and user-message
 * header as bare msgpack objects. The envelopes (compound, compress, hasCrc,
 * label) live in `wire_envelope.ts` and are re-exported here, so this module
 * is the one import for the whole format. The exact bytes are pinned by the
 * golden vectors in `tests/data/golden/`.
 *
 * Every decoder throws `DecodeError` on bad input and nothing else, so the
 * receive path can drop and count whatever fails.
 *
 * @module
 */
import { asInt, asStruct, decodeMsgpack, decodeStructPrefix, encodeMsgpack } from "../codec/msgpack.ts";
import { fieldKind, GoStructSchema, VIEW_KINDS } from "../codec/go_struct_schema.ts";
import { DecodeError } from "../util/errors.ts";
import {
  type AckMessage,
  type AliveMessage,
  type BodyMessage,
  type DeadMessage,
  type ErrMessage,
  type IndirectPingMessage,
  MessageType,
  type NackMessage,
  type PingMessage,
  type PushNodeState,
  type PushPullHeader,
  type SuspectMessage,
  type UserMsgHeader,
} from "./messages.ts";

export {
  addCrc,
  addLabelHeader,
  compoundPartLength,
  type CompoundParts,
  compoundWholeParts,
  compressPayload,
  CRC_OVERHEAD,
  decodeCompoundMessage,
  decodeCompress,
  decompressPayload,
  LZW_ALGO,
  makeCompoundMessage,
  makeUserMessage,
  MAX_COMPOUND_PARTS,
  MAX_INTEROP_COMPOUND_PARTS,
  MAX_LABEL_BYTES,
  removeLabelHeader,
  verifyCrc,
} from "./wire_envelope.ts";

/** Type byte -> decoded message, for callers that pass a literal `MessageType.x`. */
export interface BodyMessageByType {
  0: PingMessage;
  1: IndirectPingMessage;
  2: AckMessage;
  3: SuspectMessage;
  4: AliveMessage;
  5: DeadMessage;
  11: NackMessage;
  13: ErrMessage;
}

const TYPE_BYTE: Record<BodyMessage["type"], number> = {
  ping: MessageType.ping,
  indirectPing: MessageType.indirectPing,
  ackResp: MessageType.ackResp,
  nackResp: MessageType.nackResp,
  err: MessageType.err,
  suspect: MessageType.suspect,
  alive: MessageType.alive,
  dead: MessageType.dead,
};

/** Each message's Go struct (memberlist's ping, indirectPingReq, ackResp, ... in net.go). */
const PING_SPEC = "SeqNo:u32 Node:str SourceAddr:bytes? SourcePort:u16? SourceNode:str?";
const PING = new GoStructSchema<Omit<PingMessage, "type">>(PING_SPEC);
const INDIRECT_PING_SPEC =
  "SeqNo:u32 Target:bytes Port:u16 Node:str Nack:bool SourceAddr:bytes? SourcePort:u16? SourceNode:str?";
const INDIRECT_PING = new GoStructSchema<Omit<IndirectPingMessage, "type">>(INDIRECT_PING_SPEC);
const ACK_SPEC = "SeqNo:u32 Payload:bytes";
const ACK = new GoStructSchema<Omit<AckMessage, "type">>(ACK_SPEC);
const NACK = new GoStructSchema<Omit<NackMessage, "type">>("SeqNo:u32");
const ERR = new GoStructSchema<Omit<ErrMessage, "type">>("Error:str");
const SUSPECT_OR_DEAD = new GoStructSchema<Omit<SuspectMessage, "type">>("Incarnation:u32 Node:str From:str");
const ALIVE_SPEC = "Incarnation:u32 Node:str Addr:bytes Port:u16 Meta:bytes Vsn:vsn";
const ALIVE = new GoStructSchema<Omit<AliveMessage, "type">>(ALIVE_SPEC);

/** Type byte -> the message's name, struct and how errors name it. */
const BODIES = new Map<number, { type: BodyMessage["type"]; schema: GoStructSchema<object>; what: string }>([
  [MessageType.ping, { type: "ping", schema: PING, what: "ping" }],
  [MessageType.indirectPing, { type: "indirectPing", schema: INDIRECT_PING, what: "indirect ping" }],
  [MessageType.ackResp, { type: "ackResp", schema: ACK, what: "ack" }],
  [MessageType.nackResp, { type: "nackResp", schema: NACK, what: "nack" }],
  [MessageType.err, { type: "err", schema: ERR, what: "error response" }],
  [MessageType.suspect, { type: "suspect", schema: SUSPECT_OR_DEAD, what: "suspect" }],
  [MessageType.alive, { type: "alive", schema: ALIVE, what: "alive" }],
  [MessageType.dead, { type: "dead", schema: SUSPECT_OR_DEAD, what: "dead" }],
]);

/**
 * The same structs for {@linkcode decodePacketBody}: byte fields are views
 * into the datagram. The messages without byte fields share their schema.
 */
const PACKET_SCHEMAS = new Map<number, GoStructSchema<object>>([
  [MessageType.ping, new GoStructSchema(PING_SPEC, VIEW_KINDS)],
  [MessageType.indirectPing, new GoStructSchema(INDIRECT_PING_SPEC, VIEW_KINDS)],
  [MessageType.ackResp, new GoStructSchema(ACK_SPEC, VIEW_KINDS)],
  [MessageType.alive, new GoStructSchema(ALIVE_SPEC, VIEW_KINDS)],
]);

/**
 * Encodes a message as memberlist sends it: its type byte, then its msgpack body.
 *
 * @example
 * ```ts
 * import { encodeMessage } from "./wire.ts";
 * encodeMessage({ type: "nackResp", seqNo: 1 }); // 0b 81 a5 "SeqNo" 01
 * ```
 * @throws {RangeError} for a vsn entry outside a byte.
 */
export function encodeMessage(msg: BodyMessage): Uint8Array {
  const typeByte = TYPE_BYTE[msg.type];
  const body = encodeMsgpack(BODIES.get(typeByte)!.schema.encode(msg));
  const out = new Uint8Array(body.length + 1);
  out[0] = typeByte;
  out.set(body, 1);
  return out;
}

/**
 * Decodes a message body (the bytes after the type byte) of the given type.
 * Missing fields take Go's zero values; unknown fields are ignored.
 *
 * @throws {DecodeError} for an unknown or envelope type, malformed msgpack, or a field of the wrong type.
 */
export function decodeBody<T extends number>(
  type: T,
  body: Uint8Array,
): T extends keyof BodyMessageByType ? BodyMessageByType[T] : BodyMessage;
export function decodeBody(type: number, body: Uint8Array): BodyMessage {
  const entry = BODIES.get(type);
  if (!entry) throw new DecodeError(`Cannot decode message: type ${type} has no message body`);
  return entry.schema.decode(decodeStructPrefix(body, entry.what), { type: entry.type }) as BodyMessage;
}

/**
 * {@linkcode decodeBody} for a received datagram: byte fields (addresses,
 * metadata, ack payloads) are views into `body` rather than copies, since
 * the gossip of a large cluster decodes thousands of them a second and keeps
 * almost none. `body` must be owned by the caller and never written; whoever
 * keeps a byte field must copy it (member records intern theirs, which copies).
 *
 * @throws {DecodeError} as {@linkcode decodeBody} does.
 */
export function decodePacketBody(type: number, body: Uint8Array): BodyMessage {
  const entry = BODIES.get(type);
  if (!entry) throw new DecodeError(`Cannot decode message: type ${type} has no message body`);
  const schema = PACKET_SCHEMAS.get(type) ?? entry.schema;
  return schema.decode(decodeStructPrefix(body, entry.what), { type: entry.type }) as BodyMessage;
}

/**
 * Decodes a whole message: type byte plus body.
 * @throws {DecodeError} for an empty buffer or anything {@linkcode decodeBody} rejects.
 */
export function decodeMessage(buf: Uint8Array): BodyMessage {
  if (buf.length < 1) throw new DecodeError("Cannot decode message: empty buffer");
  return decodeBody(buf[0]!, buf.subarray(1));
}

// ---------------------------------------------------------------- stream objects

const PUSH_PULL_HEADER = new GoStructSchema<PushPullHeader>("Nodes:count UserStateLen:count Join:bool");
const PUSH_NODE_STATE = new GoStructSchema<PushNodeState>(
  "Name:str Addr:bytes Port:u16 Meta:bytes Incarnation:u32 State:state Vsn:vsn",
  { state: fieldKind((v, f) => asInt(v, f, 0, 3)) },
);
const USER_MSG_HEADER = new GoStructSchema<UserMsgHeader>("UserMsgLen:count");

/** Encodes the push/pull header object (written after the pushPull type byte). */
export function encodePushPullHeader(h: PushPullHeader): Uint8Array {
  return encodeMsgpack(PUSH_PULL_HEADER.encode(h));
}

/**
 * Decodes a push/pull header object. Negative counts, which Go would accept and then fail on, are refused.
 * @throws {DecodeError} on malformed input.
 */
export function decodePushPullHeader(buf: Uint8Array): PushPullHeader {
  return PUSH_PULL_HEADER.decode(asStruct(decodeMsgpack(buf), "push/pull header"));
}

/** Encodes one node state of a push/pull exchange. */
export function encodePushNodeState(n: PushNodeState): Uint8Array {
  return encodeMsgpack(PUSH_NODE_STATE.encode(n));
}

/**
 * Decodes one push/pull node state.
 * @throws {DecodeError} on malformed input or a state other than alive/suspect/dead/left.
 */
export function decodePushNodeState(buf: Uint8Array): PushNodeState {
  return PUSH_NODE_STATE.decode(asStruct(decodeMsgpack(buf), "push node state"));
}

/** Encodes the header that precedes a user message on a stream. */
export function encodeUserMsgHeader(h: UserMsgHeader): Uint8Array {
  return encodeMsgpack(USER_MSG_HEADER.encode(h));
}

/**
 * Decodes a user-message header.
 * @throws {DecodeError} on malformed input or a negative length.
 */
export function decodeUserMsgHeader(buf: Uint8Array): UserMsgHeader {
  return USER_MSG_HEADER.decode(asStruct(decodeMsgpack(buf), "user message header"));
}
