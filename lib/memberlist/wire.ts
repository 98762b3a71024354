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
import {
  asBool,
  asBytes,
  asInt,
  asString,
  asStruct,
  asUint,
  asUint8Slice,
  decodeMsgpack,
  decodeStructPrefix,
  encodeMsgpack,
  goStruct,
  type MsgpackEncodable,
} from "../codec/msgpack.ts";
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
  type NodeStateCode,
  type PingMessage,
  type PushNodeState,
  type PushPullHeader,
  type SuspectMessage,
  type UserMsgHeader,
} from "./messages.ts";

export {
  addCrc,
  addLabelHeader,
  type CompoundParts,
  compressPayload,
  CRC_OVERHEAD,
  decodeCompoundMessage,
  decodeCompress,
  decompressPayload,
  LZW_ALGO,
  makeCompoundMessage,
  MAX_COMPOUND_PARTS,
  MAX_INTEROP_COMPOUND_PARTS,
  MAX_LABEL_BYTES,
  removeLabelHeader,
  verifyCrc,
} from "./wire_envelope.ts";

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;

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

/**
 * Go writes a nil `[]byte` as msgpack nil and an empty non-nil one as an
 * empty raw; memberlist's usual empty values (no ack payload, no meta) are
 * nil slices, so an empty array goes out as nil. Go reads both the same way.
 */
function goBytes(bytes: Uint8Array | undefined): Uint8Array | null {
  return bytes && bytes.length > 0 ? bytes : null;
}

/** A protocol-version vector travels as `[]uint8`, which go-msgpack writes as raw bytes. */
function vsnBytes(vsn: readonly number[]): Uint8Array | null {
  for (const v of vsn) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) {
      throw new RangeError(
        `Cannot encode vsn: each entry must be an integer in [0, 255]: current value is ${v}`,
      );
    }
  }
  return vsn.length > 0 ? Uint8Array.from(vsn) : null;
}

/** The msgpack body of a message: a Go struct map (fields sorted by goStruct). */
function bodyStruct(msg: BodyMessage): Map<string, MsgpackEncodable> {
  switch (msg.type) {
    case "ping":
      return goStruct({
        SeqNo: msg.seqNo,
        Node: msg.node,
        // omitempty in memberlist: leave out when empty.
        SourceAddr: goBytes(msg.sourceAddr) ?? undefined,
        SourcePort: msg.sourcePort || undefined,
        SourceNode: msg.sourceNode || undefined,
      });
    case "indirectPing":
      return goStruct({
        SeqNo: msg.seqNo,
        Target: goBytes(msg.target),
        Port: msg.port,
        Node: msg.node,
        Nack: msg.nack,
        SourceAddr: goBytes(msg.sourceAddr) ?? undefined,
        SourcePort: msg.sourcePort || undefined,
        SourceNode: msg.sourceNode || undefined,
      });
    case "ackResp":
      return goStruct({ SeqNo: msg.seqNo, Payload: goBytes(msg.payload) });
    case "nackResp":
      return goStruct({ SeqNo: msg.seqNo });
    case "err":
      return goStruct({ Error: msg.error });
    case "suspect":
    case "dead":
      return goStruct({ Incarnation: msg.incarnation, Node: msg.node, From: msg.from });
    case "alive":
      return goStruct({
        Incarnation: msg.incarnation,
        Node: msg.node,
        Addr: goBytes(msg.addr),
        Port: msg.port,
        Meta: goBytes(msg.meta),
        Vsn: vsnBytes(msg.vsn),
      });
  }
}

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
  const body = encodeMsgpack(bodyStruct(msg));
  const out = new Uint8Array(body.length + 1);
  out[0] = TYPE_BYTE[msg.type];
  out.set(body, 1);
  return out;
}

/** Adds the omitempty source fields of ping/indirectPing only when present. */
function sourceFields(
  s: Record<string, unknown>,
): Pick<PingMessage, "sourceAddr" | "sourcePort" | "sourceNode"> {
  const out: Pick<PingMessage, "sourceAddr" | "sourcePort" | "sourceNode"> = {};
  const addr = asBytes(s.SourceAddr, "SourceAddr");
  const port = asUint(s.SourcePort, "SourcePort", UINT16_MAX);
  const node = asString(s.SourceNode, "SourceNode");
  if (addr.length > 0) out.sourceAddr = addr;
  if (port !== 0) out.sourcePort = port;
  if (node !== "") out.sourceNode = node;
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
  switch (type) {
    case MessageType.ping: {
      const s = decodeStructPrefix(body, "ping");
      return {
        type: "ping",
        seqNo: asUint(s.SeqNo, "SeqNo"),
        node: asString(s.Node, "Node"),
        ...sourceFields(s),
      };
    }
    case MessageType.indirectPing: {
      const s = decodeStructPrefix(body, "indirect ping");
      return {
        type: "indirectPing",
        seqNo: asUint(s.SeqNo, "SeqNo"),
        target: asBytes(s.Target, "Target"),
        port: asUint(s.Port, "Port", UINT16_MAX),
        node: asString(s.Node, "Node"),
        nack: asBool(s.Nack, "Nack"),
        ...sourceFields(s),
      };
    }
    case MessageType.ackResp: {
      const s = decodeStructPrefix(body, "ack");
      return { type: "ackResp", seqNo: asUint(s.SeqNo, "SeqNo"), payload: asBytes(s.Payload, "Payload") };
    }
    case MessageType.nackResp:
      return { type: "nackResp", seqNo: asUint(decodeStructPrefix(body, "nack").SeqNo, "SeqNo") };
    case MessageType.err:
      return { type: "err", error: asString(decodeStructPrefix(body, "error response").Error, "Error") };
    case MessageType.suspect:
    case MessageType.dead: {
      const kind = type === MessageType.suspect ? "suspect" : "dead";
      const s = decodeStructPrefix(body, kind);
      return {
        type: kind,
        incarnation: asUint(s.Incarnation, "Incarnation"),
        node: asString(s.Node, "Node"),
        from: asString(s.From, "From"),
      };
    }
    case MessageType.alive: {
      const s = decodeStructPrefix(body, "alive");
      return {
        type: "alive",
        incarnation: asUint(s.Incarnation, "Incarnation"),
        node: asString(s.Node, "Node"),
        addr: asBytes(s.Addr, "Addr"),
        port: asUint(s.Port, "Port", UINT16_MAX),
        meta: asBytes(s.Meta, "Meta"),
        vsn: asUint8Slice(s.Vsn, "Vsn"),
      };
    }
    default:
      throw new DecodeError(`Cannot decode message: type ${type} has no message body`);
  }
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

/** Encodes the push/pull header object (written after the pushPull type byte). */
export function encodePushPullHeader(h: PushPullHeader): Uint8Array {
  return encodeMsgpack(goStruct({ Nodes: h.nodes, UserStateLen: h.userStateLen, Join: h.join }));
}

/**
 * Decodes a push/pull header object. Negative counts, which Go would accept and then fail on, are refused.
 * @throws {DecodeError} on malformed input.
 */
export function decodePushPullHeader(buf: Uint8Array): PushPullHeader {
  const s = asStruct(decodeMsgpack(buf), "push/pull header");
  return {
    nodes: asInt(s.Nodes, "Nodes", 0),
    userStateLen: asInt(s.UserStateLen, "UserStateLen", 0),
    join: asBool(s.Join, "Join"),
  };
}

/** Encodes one node state of a push/pull exchange. */
export function encodePushNodeState(n: PushNodeState): Uint8Array {
  return encodeMsgpack(goStruct({
    Name: n.name,
    Addr: goBytes(n.addr),
    Port: n.port,
    Meta: goBytes(n.meta),
    Incarnation: n.incarnation,
    State: n.state,
    Vsn: vsnBytes(n.vsn),
  }));
}

/**
 * Decodes one push/pull node state.
 * @throws {DecodeError} on malformed input or a state other than alive/suspect/dead/left.
 */
export function decodePushNodeState(buf: Uint8Array): PushNodeState {
  const s = asStruct(decodeMsgpack(buf), "push node state");
  return {
    name: asString(s.Name, "Name"),
    addr: asBytes(s.Addr, "Addr"),
    port: asUint(s.Port, "Port", UINT16_MAX),
    meta: asBytes(s.Meta, "Meta"),
    incarnation: asUint(s.Incarnation, "Incarnation", UINT32_MAX),
    state: asInt(s.State, "State", 0, 3) as NodeStateCode,
    vsn: asUint8Slice(s.Vsn, "Vsn"),
  };
}

/** Encodes the header that precedes a user message on a stream. */
export function encodeUserMsgHeader(h: UserMsgHeader): Uint8Array {
  return encodeMsgpack(goStruct({ UserMsgLen: h.userMsgLen }));
}

/**
 * Decodes a user-message header.
 * @throws {DecodeError} on malformed input or a negative length.
 */
export function decodeUserMsgHeader(buf: Uint8Array): UserMsgHeader {
  const s = asStruct(decodeMsgpack(buf), "user message header");
  return { userMsgLen: asInt(s.UserMsgLen, "UserMsgLen", 0) };
}
