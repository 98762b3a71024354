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
import { MsgpackPeek, PEEK_NIL, PEEK_OTHER } from "../codec/msgpack_peek.ts";
import { memberNames } from "../util/ascii_interns.ts";
import type { PushNodeState } from "./messages.ts";
import type { Node } from "./node.ts";
import { decodePushNodeState } from "./wire.ts";

/** go-msgpack's old-spec raw form of a short ASCII key. */
function key(name: string): Uint8Array {
  return encodeMsgpack(name);
}

/** A fixmap of seven entries and its first key: every record starts with these bytes. */
const KEY_ADDR = key("Addr");
const RECORD_START = new Uint8Array([0x87, ...KEY_ADDR]);
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
export function writePushNodeState(writer: MsgpackWriter, n: Node & { readonly incarnation: number }): void {
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

/** Reading is synchronous, so one cursor serves every record. */
const peek = new MsgpackPeek();

/** Nil and empty byte fields; nothing writes to a record's bytes, so one shared empty array serves. */
const EMPTY = new Uint8Array(0);

/** A raw as a view into the buffer (nil as empty), or undefined when the value is not a raw. */
function readBytes(): Uint8Array | undefined {
  const len = peek.rawLength();
  if (len === PEEK_NIL) return EMPTY;
  if (len === PEEK_OTHER) return undefined;
  const start = peek.pos;
  peek.pos = start + len;
  return peek.buf.subarray(start, start + len);
}

/** Which field the next key names (its bit, cursor past it), or 0 for a key not in the record. */
function readKey(): number {
  const first = peek.buf[peek.pos + 1];
  if (first === 0x41) return peek.key(KEY_ADDR) ? 0x01 : 0;
  if (first === 0x49) return peek.key(KEY_INCARNATION) ? 0x02 : 0;
  if (first === 0x4d) return peek.key(KEY_META) ? 0x04 : 0;
  if (first === 0x4e) return peek.key(KEY_NAME) ? 0x08 : 0;
  if (first === 0x50) return peek.key(KEY_PORT) ? 0x10 : 0;
  if (first === 0x53) return peek.key(KEY_STATE) ? 0x20 : 0;
  if (first === 0x56) return peek.key(KEY_VSN) ? 0x40 : 0;
  return 0;
}

/**
 * Reads the push/pull record starting at `pos` in the common shape that Go
 * and serfts write (seven keys, in any order); returns the record with the
 * cursor past it, or undefined when the bytes need the general decoder.
 */
function readCommonShape(buf: Uint8Array, pos: number): PushNodeState | undefined {
  peek.reset(buf, pos);
  if (peek.mapLength() !== 7) return undefined;
  let seen = 0;
  let name = "", port = 0, incarnation = 0, state = 0;
  let addr: Uint8Array | undefined, meta: Uint8Array | undefined, vsnBytes: Uint8Array | undefined;
  for (let i = 0; i < 7; i++) {
    const bit = readKey();
    if (bit === 0 || (seen & bit) !== 0) return undefined;
    seen |= bit;
    switch (bit) {
      case 0x01:
        if ((addr = readBytes()) === undefined) return undefined;
        break;
      case 0x02:
        if ((incarnation = peek.uint()) === PEEK_OTHER) return undefined;
        break;
      case 0x04:
        if ((meta = readBytes()) === undefined) return undefined;
        break;
      case 0x08: {
        const s = peek.internedAscii(memberNames);
        if (s === undefined) return undefined;
        name = s;
        break;
      }
      case 0x10:
        port = peek.uint();
        if (port === PEEK_OTHER || port > 0xffff) return undefined;
        break;
      case 0x20:
        state = peek.uint();
        if (state === PEEK_OTHER || state > 3) return undefined;
        break;
      case 0x40:
        if ((vsnBytes = readBytes()) === undefined) return undefined;
        break;
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
  if (fast && peek.pos === pos + length) return fast;
  return decodePushNodeState(buf.subarray(pos, pos + length));
}
