/**
 * memberlist's envelopes: compound (several messages in one packet), compress
 * (LZW), hasCrc (CRC-32 guard) and the memberlist 0.5 label header. Each wraps
 * whole messages; `wire.ts` re-exports everything here.
 *
 * Every decoder throws `DecodeError` on bad input and nothing else.
 *
 * @module
 */
import { crc32 } from "../codec/crc32.ts";
import { lzwCompressTransient, lzwDecompress, type LzwDecompressOptions } from "../codec/lzw.ts";
import { MAX_DECOMPRESSED_BYTES } from "./limits.ts";
import {
  asBytes,
  asBytesView,
  asStruct,
  asUint,
  decodeMsgpackPrefix,
  encodeMsgpack,
  goStruct,
  MsgpackWriter,
} from "../codec/msgpack.ts";
import { MsgpackPeek } from "../codec/msgpack_peek.ts";
import { ByteSlab } from "../util/byte_slab.ts";
import { DecodeError } from "../util/errors.ts";
import { type CompressMessage, MessageType } from "./messages.ts";

const UINT16_MAX = 0xffff;

/**
 * Parts a compound message may carry: its count is one byte. Go receivers
 * (memberlist 0.2.2) compute `count * 2` in a byte, so they mis-split compounds
 * of 128 parts or more; senders should stay at or below {@linkcode MAX_INTEROP_COMPOUND_PARTS}.
 */
export const MAX_COMPOUND_PARTS = 255;
/** Most parts a Go receiver splits correctly (see {@linkcode MAX_COMPOUND_PARTS}). */
export const MAX_INTEROP_COMPOUND_PARTS = 127;

/**
 * Packets under construction. Shared by every node in the process: a compound
 * lives only until it is compressed, checksummed or handed to the transport
 * (which copies), so carving them from one slab spares a backing store per
 * packet without keeping anything alive for long.
 */
const packetBytes = new ByteSlab();

/** A part's length, checked against the uint16 it travels in. */
function partLength(length: number): number {
  if (length > UINT16_MAX) {
    throw new RangeError(
      `Cannot make compound message: a part exceeds ${UINT16_MAX} bytes: current value is ${length}`,
    );
  }
  return length;
}

/** Copies `part` into `out` at `at`. @returns the index after it. */
function copyPart(out: Uint8Array, part: Uint8Array, at: number): number {
  // Gossip parts are tens of bytes: a byte loop beats `set`'s per-call cost there
  // (measured in the simulator's profile; a microbenchmark alone suggests otherwise).
  if (part.length > 64) out.set(part, at);
  else for (let j = 0; j < part.length; j++) out[at + j] = part[j]!;
  return at + part.length;
}

/**
 * Packs messages into one compound message: type byte, part count, each
 * part's length as a big-endian uint16, then the parts. `userParts` follow
 * `parts`, each as a user message (the user type byte, then its bytes), so
 * that a delegate's broadcasts are framed here instead of copied once more.
 *
 * The result's `buffer` is shared with other packets: read it through its
 * `byteOffset` (see {@linkcode ByteSlab}).
 *
 * @throws {RangeError} for more than 255 parts in all or a part longer than 65535 bytes.
 */
export function makeCompoundMessage(
  parts: readonly Uint8Array[],
  userParts: readonly Uint8Array[] = [],
): Uint8Array {
  const count = parts.length + userParts.length;
  if (count > MAX_COMPOUND_PARTS) {
    throw new RangeError(
      `Cannot make compound message: at most ${MAX_COMPOUND_PARTS} parts: current value is ${count}`,
    );
  }
  let total = 2 + 2 * count;
  for (let i = 0; i < parts.length; i++) total += partLength(parts[i]!.length);
  for (let i = 0; i < userParts.length; i++) total += partLength(userParts[i]!.length + 1);
  const out = packetBytes.take(total);
  out[0] = MessageType.compound;
  out[1] = count;
  let lengthAt = 2;
  let at = 2 + 2 * count;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    out[lengthAt++] = p.length >>> 8;
    out[lengthAt++] = p.length & 0xff;
    at = copyPart(out, p, at);
  }
  for (let i = 0; i < userParts.length; i++) {
    const u = userParts[i]!;
    const length = u.length + 1;
    out[lengthAt++] = length >>> 8;
    out[lengthAt++] = length & 0xff;
    out[at++] = MessageType.user;
    at = copyPart(out, u, at);
  }
  return out;
}

/** `msg` as a user message: the user type byte, then its bytes. */
export function makeUserMessage(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 1);
  out[0] = MessageType.user;
  out.set(msg, 1);
  return out;
}

/** The messages of a compound, and how many at the end were cut off. */
export interface CompoundParts {
  parts: Uint8Array[];
  /** Parts announced but missing because the packet ended early (memberlist logs these). */
  truncated: number;
}

/**
 * Splits a compound body (the bytes after the type byte). Parts are views into `body`.
 * @throws {DecodeError} when the count byte or the length table is missing.
 */
export function decodeCompoundMessage(body: Uint8Array): CompoundParts {
  const whole = compoundWholeParts(body, 0, body.length);
  const parts: Uint8Array[] = [];
  let at = 1 + 2 * body[0]!;
  for (let i = 0; i < whole; i++) {
    const length = compoundPartLength(body, 0, i);
    parts.push(body.subarray(at, at + length));
    at += length;
  }
  return { parts, truncated: body[0]! - whole };
}

/**
 * How many of the parts a compound body in `buf[start, end)` announces are
 * all there (the rest were cut off by the end of the packet). With
 * {@linkcode compoundPartLength}, this reads a compound in place, for the
 * receive path, which would otherwise make a view and an array per packet:
 * part `i` starts after the count byte, the length table (2 bytes a part)
 * and the parts before it.
 * @throws {DecodeError} when the count byte or the length table is missing.
 */
export function compoundWholeParts(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 1) throw new DecodeError("Cannot decode compound message: missing length byte");
  const count = buf[start]!;
  if (end - start < 1 + 2 * count) {
    throw new DecodeError(`Cannot decode compound message: truncated length table for ${count} parts`);
  }
  let at = start + 1 + 2 * count;
  for (let i = 0; i < count; i++) {
    at += compoundPartLength(buf, start, i);
    if (at > end) return i;
  }
  return count;
}

/** The length of part `i` of the compound body at `buf[start]`, from its big-endian length table. */
export function compoundPartLength(buf: Uint8Array, start: number, i: number): number {
  return (buf[start + 1 + 2 * i]! << 8) | buf[start + 2 + 2 * i]!;
}

/** memberlist's only compression algorithm number: LZW. */
export const LZW_ALGO = 0;

/**
 * A compress message up to its Buf value: the type byte, then the struct's
 * head (a map of two, `Algo: 0`, the key `Buf`), which is the same for every
 * Buf. Taken from the encoder itself: all but the last byte of the struct
 * with an empty Buf, that byte being the empty raw.
 */
const COMPRESS_HEAD = (() => {
  const empty = encodeMsgpack(goStruct({ Algo: LZW_ALGO, Buf: new Uint8Array(0) }));
  const head = new Uint8Array(empty.length);
  head[0] = MessageType.compress;
  head.set(empty.subarray(0, empty.length - 1), 1);
  return head;
})();
/** The same head without the type byte, as a received body starts. */
const COMPRESS_BODY_HEAD = COMPRESS_HEAD.subarray(1);

/** Reused by {@linkcode compressPayload}; replaced after a large message so it does not hold on to the memory. */
let compressWriter = new MsgpackWriter();
const KEEP_WRITER_BYTES = 64 * 1024;

/** LZW-compresses a message and wraps it as a full compress message (type byte included). */
export function compressPayload(buf: Uint8Array): Uint8Array {
  // The compressed bytes are a view into the compressor's buffer, copied once, into the message.
  const writer = compressWriter;
  writer.reset();
  writer.writeRaw(COMPRESS_HEAD).write(lzwCompressTransient(buf));
  const out = writer.finish();
  if (out.length > KEEP_WRITER_BYTES) compressWriter = new MsgpackWriter();
  return out;
}

/**
 * Decodes a compress body (after the type byte) without decompressing it.
 * @throws {DecodeError} on malformed input.
 */
export function decodeCompress(body: Uint8Array): CompressMessage {
  const s = asStruct(decodeMsgpackPrefix(body).value, "compress");
  return { algo: asUint(s.Algo, "Algo", 0xff), buf: asBytes(s.Buf, "Buf") };
}

/**
 * Decodes a compress body and returns the decompressed message inside. The
 * output is capped at {@linkcode MAX_DECOMPRESSED_BYTES} unless `options` says
 * otherwise; an empty result is refused, since every message starts with a type byte.
 * @throws {DecodeError} for an unknown algorithm, corrupt LZW data, output over the cap, or no output.
 */
export function decompressPayload(body: Uint8Array, options: LzwDecompressOptions = {}): Uint8Array {
  // The compressed bytes are read once, right here: a view is enough (a copy per packet was measurable).
  let buf = canonicalCompressBuf(body);
  if (buf === undefined) {
    const s = asStruct(decodeMsgpackPrefix(body).value, "compress");
    const algo = asUint(s.Algo, "Algo", 0xff);
    if (algo !== LZW_ALGO) throw new DecodeError(`Cannot decompress unknown algorithm ${algo}`);
    buf = asBytesView(s.Buf, "Buf");
  }
  const out = lzwDecompress(buf, { maxOutputBytes: MAX_DECOMPRESSED_BYTES, ...options });
  if (out.length === 0) throw new DecodeError("Decompressed message is empty");
  return out;
}

/** Reading is synchronous, so one cursor serves every packet. */
const compressPeek = new MsgpackPeek();

/**
 * The Buf of a compress body laid out as memberlist (Go's and ours) writes it:
 * {@linkcode COMPRESS_BODY_HEAD} then Buf as a raw, the form of every packet.
 * Anything else (other key order, integer widths or byte types, a truncated
 * body) is `undefined`, for the general decoder to judge.
 */
function canonicalCompressBuf(body: Uint8Array): Uint8Array | undefined {
  compressPeek.reset(body, 0);
  if (!compressPeek.key(COMPRESS_BODY_HEAD)) return undefined;
  const n = compressPeek.rawLength(); // nil and anything not a raw are negative
  return n < 0 ? undefined : body.subarray(compressPeek.pos, compressPeek.pos + n);
}

/** Bytes the CRC envelope adds: type byte and a 4-byte checksum. */
export const CRC_OVERHEAD = 5;

/**
 * Prefixes a packet with the hasCrc type byte and the big-endian CRC-32 (IEEE) of `payload`.
 * Like {@linkcode makeCompoundMessage}'s, the result's `buffer` is shared with other packets.
 */
export function addCrc(payload: Uint8Array): Uint8Array {
  const out = packetBytes.take(payload.length + CRC_OVERHEAD);
  const sum = crc32(payload);
  out[0] = MessageType.hasCrc;
  out[1] = sum >>> 24;
  out[2] = sum >>> 16;
  out[3] = sum >>> 8;
  out[4] = sum;
  out.set(payload, CRC_OVERHEAD);
  return out;
}

/**
 * Checks a hasCrc packet and returns the payload after the checksum (a view), or
 * null when the checksum does not match (memberlist drops such packets).
 * @throws {DecodeError} when `buf` is not a CRC envelope at all.
 */
export function verifyCrc(buf: Uint8Array): Uint8Array | null {
  if (buf.length < CRC_OVERHEAD || buf[0] !== MessageType.hasCrc) {
    throw new DecodeError("Cannot verify checksum: not a hasCrc message");
  }
  const expected = ((buf[1]! << 24) | (buf[2]! << 16) | (buf[3]! << 8) | buf[4]!) >>> 0;
  const payload = buf.subarray(CRC_OVERHEAD);
  return crc32(payload) === expected ? payload : null;
}

/** Longest label in bytes: its length travels in one byte. */
export const MAX_LABEL_BYTES = 255;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Prefixes a packet or stream with memberlist 0.5's label header
 * (type 244, length byte, label bytes). An empty label adds nothing.
 * @throws {RangeError} for a label over 255 bytes.
 */
export function addLabelHeader(buf: Uint8Array, label: string): Uint8Array {
  if (label === "") return buf;
  const bytes = utf8Encoder.encode(label);
  if (bytes.length > MAX_LABEL_BYTES) {
    throw new RangeError(
      `Cannot add label: at most ${MAX_LABEL_BYTES} bytes: current value is ${bytes.length}`,
    );
  }
  const out = new Uint8Array(2 + bytes.length + buf.length);
  out[0] = MessageType.hasLabel;
  out[1] = bytes.length;
  out.set(bytes, 2);
  out.set(buf, 2 + bytes.length);
  return out;
}

/**
 * Splits off a label header if there is one; without one the label is "".
 * @throws {DecodeError} for an empty or truncated label header.
 */
export function removeLabelHeader(buf: Uint8Array): { label: string; rest: Uint8Array } {
  if (buf.length === 0 || buf[0] !== MessageType.hasLabel) return { label: "", rest: buf };
  if (buf.length < 2) throw new DecodeError("Cannot decode label: packet truncated");
  const size = buf[1]!;
  if (size < 1) throw new DecodeError("Cannot decode label: label header present but empty");
  if (buf.length < 2 + size) throw new DecodeError("Cannot decode label: packet truncated");
  return { label: utf8Decoder.decode(buf.subarray(2, 2 + size)), rest: buf.subarray(2 + size) };
}
