/**
 * The node-state records of a push/pull exchange, written and read without
 * the general msgpack path. A push/pull carries one record per known node, so
 * at scale it is the largest steady-state cost: building a `Map` per record to
 * encode it, and a decoded object plus a schema pass per record to read it,
 * cost more than the bytes themselves. The bytes are the same as
 * {@linkcode encodePushNodeState} writes (go-msgpack's sorted struct map); the
 * reader handles that common shape directly and hands anything else (other
 * integer widths, missing or extra keys, non-ASCII names, bad values) to
 * {@linkcode decodePushNodeState}, so odd input is accepted or refused exactly
 * as before.
 *
 * @module
 */
import { encodeMsgpack, type MsgpackWriter } from "../codec/msgpack.ts";
import type { PushNodeState } from "./messages.ts";
import type { NodeRecord } from "./node.ts";
import { decodePushNodeState } from "./wire.ts";

/** go-msgpack's old-spec raw form of a short ASCII key. */
function key(name: string): Uint8Array {
  return encodeMsgpack(name);
}

/** A fixmap of seven entries and its first key: every record starts with these bytes. */
const RECORD_START = new Uint8Array([0x87, ...key("Addr")]);
const KEY_INCARNATION = key("Incarnation");
const KEY_META = key("Meta");
const KEY_NAME = key("Name");
const KEY_PORT = key("Port");
const KEY_STATE = key("State");
const KEY_VSN = key("Vsn");

/** Reused for each record's version bytes; the writer copies them. */
const vsnScratch = new Uint8Array(6);

/**
 * Appends one node's push/pull record to `writer`, byte-identical to
 * `encodePushNodeState` of the same node (fields sorted by Go name; empty
 * address and metadata written as nil).
 */
export function writePushNodeState(writer: MsgpackWriter, n: NodeRecord): void {
  writer.writeRaw(RECORD_START).write(n.addr.length > 0 ? n.addr : null);
  writer.writeRaw(KEY_INCARNATION).write(n.incarnation);
  writer.writeRaw(KEY_META).write(n.meta.length > 0 ? n.meta : null);
  writer.writeRaw(KEY_NAME).write(n.name);
  writer.writeRaw(KEY_PORT).write(n.port);
  writer.writeRaw(KEY_STATE).write(n.state);
  vsnScratch[0] = n.pMin;
  vsnScratch[1] = n.pMax;
  vsnScratch[2] = n.pCur;
  vsnScratch[3] = n.dMin;
  vsnScratch[4] = n.dMax;
  vsnScratch[5] = n.dCur;
  writer.writeRaw(KEY_VSN).write(vsnScratch);
}

/** Field bits for the seven keys; a record is taken on the fast path only when all seven appear once. */
const ALL_FIELDS = 0x7f;

/** Where the fast reader is: reused across records (decoding is synchronous). */
const cursor = { pos: 0 };

/** An unsigned integer in any of go-msgpack's uint forms up to 32 bits, or -1 for anything else. */
function readUint(buf: Uint8Array): number {
  const at = cursor.pos;
  if (at >= buf.length) return -1;
  const b = buf[at]!;
  if (b <= 0x7f) {
    cursor.pos = at + 1;
    return b;
  }
  if (b === 0xcc && at + 1 < buf.length) {
    cursor.pos = at + 2;
    return buf[at + 1]!;
  }
  if (b === 0xcd && at + 2 < buf.length) {
    cursor.pos = at + 3;
    return (buf[at + 1]! << 8) | buf[at + 2]!;
  }
  if (b === 0xce && at + 4 < buf.length) {
    cursor.pos = at + 5;
    return ((buf[at + 1]! << 24) >>> 0) + ((buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!);
  }
  return -1;
}

/** The length of a raw (fixraw, raw16, raw32) whose bytes follow, -2 for nil, or -1 for anything else. */
function readRawLength(buf: Uint8Array): number {
  const at = cursor.pos;
  if (at >= buf.length) return -1;
  const b = buf[at]!;
  let len: number;
  if (b === 0xc0) {
    cursor.pos = at + 1;
    return -2;
  }
  if ((b & 0xe0) === 0xa0) {
    len = b & 0x1f;
    cursor.pos = at + 1;
  } else if (b === 0xda && at + 2 < buf.length) {
    len = (buf[at + 1]! << 8) | buf[at + 2]!;
    cursor.pos = at + 3;
  } else if (b === 0xdb && at + 4 < buf.length) {
    len = ((buf[at + 1]! << 24) >>> 0) + ((buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!);
    cursor.pos = at + 5;
  } else return -1;
  return cursor.pos + len <= buf.length ? len : -1;
}

/** A raw as a view into `buf` (nil as empty), or undefined when the value is not a raw. */
function readBytes(buf: Uint8Array): Uint8Array | undefined {
  const len = readRawLength(buf);
  if (len === -2) return EMPTY;
  if (len < 0) return undefined;
  const start = cursor.pos;
  cursor.pos = start + len;
  return buf.subarray(start, start + len);
}

/** Nil and empty byte fields; nothing writes to a record's bytes, so one shared empty array serves. */
const EMPTY = new Uint8Array(0);

/** An ASCII raw as a string, or undefined for anything else (left to the general decoder). */
function readAscii(buf: Uint8Array): string | undefined {
  const len = readRawLength(buf);
  if (len === -2) return "";
  if (len < 0 || len > 64) return undefined;
  const start = cursor.pos;
  for (let i = start; i < start + len; i++) if (buf[i]! > 0x7f) return undefined;
  cursor.pos = start + len;
  return String.fromCharCode.apply(null, buf.subarray(start, start + len) as unknown as number[]);
}

/** Which field a key names (its bit), or 0 for a key not in the record. */
function readKey(buf: Uint8Array): number {
  const at = cursor.pos;
  if (at >= buf.length) return 0;
  const len = buf[at]! ^ 0xa0;
  if (len < 3 || len > 11 || at + 1 + len > buf.length) return 0;
  const c0 = buf[at + 1]!;
  let bit = 0;
  let expected: Uint8Array | undefined;
  if (c0 === 0x41) [bit, expected] = [0x01, RECORD_START.subarray(1)];
  else if (c0 === 0x49) [bit, expected] = [0x02, KEY_INCARNATION];
  else if (c0 === 0x4d) [bit, expected] = [0x04, KEY_META];
  else if (c0 === 0x4e) [bit, expected] = [0x08, KEY_NAME];
  else if (c0 === 0x50) [bit, expected] = [0x10, KEY_PORT];
  else if (c0 === 0x53) [bit, expected] = [0x20, KEY_STATE];
  else if (c0 === 0x56) [bit, expected] = [0x40, KEY_VSN];
  else return 0;
  if (expected.length !== len + 1) return 0;
  for (let i = 1; i < expected.length; i++) if (buf[at + i] !== expected[i]) return 0;
  cursor.pos = at + expected.length;
  return bit;
}

/**
 * Reads the push/pull record starting at `pos` in the common shape that Go
 * and serfts write; returns the record and sets `cursor.pos` past it, or
 * returns undefined when the bytes need the general decoder.
 */
function readCommonShape(buf: Uint8Array, pos: number): PushNodeState | undefined {
  if (buf[pos] !== 0x87) return undefined;
  cursor.pos = pos + 1;
  let seen = 0;
  let name = "", port = 0, incarnation = 0, state = 0;
  let addr: Uint8Array | undefined, meta: Uint8Array | undefined, vsnBytes: Uint8Array | undefined;
  for (let i = 0; i < 7; i++) {
    const bit = readKey(buf);
    if (bit === 0 || (seen & bit) !== 0) return undefined;
    seen |= bit;
    switch (bit) {
      case 0x01:
        if ((addr = readBytes(buf)) === undefined) return undefined;
        break;
      case 0x02:
        if ((incarnation = readUint(buf)) < 0) return undefined;
        break;
      case 0x04:
        if ((meta = readBytes(buf)) === undefined) return undefined;
        break;
      case 0x08: {
        const s = readAscii(buf);
        if (s === undefined) return undefined;
        name = s;
        break;
      }
      case 0x10:
        port = readUint(buf);
        if (port < 0 || port > 0xffff) return undefined;
        break;
      case 0x20:
        state = readUint(buf);
        if (state < 0 || state > 3) return undefined;
        break;
      case 0x40: {
        const len = readRawLength(buf);
        if (len === -2) vsnBytes = new Uint8Array(0);
        else if (len < 0) return undefined;
        else {
          vsnBytes = buf.subarray(cursor.pos, cursor.pos + len);
          cursor.pos += len;
        }
        break;
      }
    }
  }
  if (seen !== ALL_FIELDS) return undefined;
  const vsn = new Array<number>(vsnBytes!.length);
  for (let i = 0; i < vsn.length; i++) vsn[i] = vsnBytes![i]!;
  return { name, addr: addr!, port, meta: meta!, incarnation, state: state as PushNodeState["state"], vsn };
}

/**
 * Reads one push/pull record from `buf` at `pos`, of `length` bytes (as
 * measured by the msgpack scanner). The common shape is read directly, its
 * address and metadata as views into `buf` (the caller owns `buf` and never
 * writes to it; the node table keeps interned copies, so no record pins it);
 * any other shape goes through {@linkcode decodePushNodeState}, which accepts
 * or refuses it as before.
 * @throws {DecodeError} on malformed input or a state other than alive/suspect/dead/left.
 */
export function readPushNodeState(buf: Uint8Array, pos: number, length: number): PushNodeState {
  const fast = readCommonShape(buf, pos);
  if (fast && cursor.pos === pos + length) return fast;
  return decodePushNodeState(buf.subarray(pos, pos + length));
}
