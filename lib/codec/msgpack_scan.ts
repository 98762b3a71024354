/**
 * Finds where one MessagePack object ends without decoding it.
 *
 * memberlist writes several msgpack objects back to back on a TCP stream (a
 * push/pull header, then node states, then raw user bytes), with no length
 * prefix, so a reader has to know where each object ends before decoding it.
 * The scanner also lets {@linkcode decodeMsgpack} check that an input is
 * complete before any allocation happens: every declared length must be backed
 * by real bytes, so a five-byte "array of four billion items" costs nothing.
 *
 * @module
 */
import { DecodeError } from "../util/errors.ts";

/** Deepest container nesting the scanner accepts; memberlist and Serf messages stay below 6. */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * An incremental scanner for the first msgpack object of a buffer that may
 * still be growing. Call {@linkcode MsgpackScanner.scan} again with a longer
 * buffer (same leading bytes) after it returned -1: it resumes where it
 * stopped instead of rescanning, so a large object arriving in many chunks
 * costs linear time.
 */
export class MsgpackScanner {
  #pos = 0;
  /** Items still expected by each open array/map, innermost last. */
  #pending: number[] = [];
  #maxDepth: number;

  /** @param maxDepth deepest container nesting accepted before throwing `DecodeError`. */
  constructor(maxDepth: number = DEFAULT_MAX_DEPTH) {
    this.#maxDepth = maxDepth;
  }

  /** Forgets progress so the scanner can start on a new object. */
  reset(): void {
    this.#pos = 0;
    this.#pending = [];
  }

  /**
   * Scans `buf`, which holds the object from its first byte.
   *
   * @returns the object's byte length once complete, or -1 when more bytes are needed.
   * @throws {DecodeError} on a byte that starts no msgpack value, or nesting deeper than the limit.
   */
  scan(buf: Uint8Array): number {
    while (true) {
      const item = itemExtent(buf, this.#pos);
      if (item === null) return -1;
      this.#pos += item.bytes;
      if (item.children > 0) {
        if (this.#pending.length >= this.#maxDepth) {
          throw new DecodeError(`Cannot decode msgpack: nesting deeper than ${this.#maxDepth}`);
        }
        this.#pending.push(item.children);
        continue;
      }
      if (this.#closeCompleted()) return this.#pos;
    }
  }

  /** Counts one finished item against its containers; true when the top-level object is done. */
  #closeCompleted(): boolean {
    const pending = this.#pending;
    while (pending.length > 0) {
      const last = pending.length - 1;
      const left = pending[last]! - 1;
      if (left > 0) {
        pending[last] = left;
        return false;
      }
      pending.pop();
    }
    return true;
  }
}

/**
 * Returns the byte length of the complete msgpack object starting at `offset`,
 * or -1 if `buf` ends before the object does.
 *
 * @example
 * ```ts
 * import { msgpackObjectLength } from "./msgpack_scan.ts";
 * msgpackObjectLength(new Uint8Array([0x92, 0x01, 0xa1, 0x78, 0xff]), 0); // 4
 * msgpackObjectLength(new Uint8Array([0x92, 0x01]), 0); // -1
 * ```
 * @throws {DecodeError} on the reserved byte 0xc1 or nesting deeper than `maxDepth`.
 */
export function msgpackObjectLength(buf: Uint8Array, offset = 0, maxDepth = DEFAULT_MAX_DEPTH): number {
  return new MsgpackScanner(maxDepth).scan(offset === 0 ? buf : buf.subarray(offset));
}

interface ItemExtent {
  /** Header plus inline payload bytes. */
  bytes: number;
  /** Nested items that follow (array items, or twice the map size). */
  children: number;
}

/** Size of the value at `pos`, or null when its header or payload is not all in `buf` yet. */
function itemExtent(buf: Uint8Array, pos: number): ItemExtent | null {
  if (pos >= buf.length) return null;
  const b = buf[pos]!;
  if (b <= 0x7f || b >= 0xe0) return leaf(1, buf, pos);
  if (b <= 0x8f) return container(1, (b & 0x0f) * 2, buf, pos);
  if (b <= 0x9f) return container(1, b & 0x0f, buf, pos);
  if (b <= 0xbf) return leaf(1 + (b & 0x1f), buf, pos);
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return leaf(1, buf, pos);
    case 0xc4: // bin8
    case 0xd9: // str8
      return sized(buf, pos, 1, 0);
    case 0xc5: // bin16
    case 0xda: // raw16 / str16
      return sized(buf, pos, 2, 0);
    case 0xc6: // bin32
    case 0xdb: // raw32 / str32
      return sized(buf, pos, 4, 0);
    case 0xc7: // ext8: length, type byte, data
      return sized(buf, pos, 1, 1);
    case 0xc8:
      return sized(buf, pos, 2, 1);
    case 0xc9:
      return sized(buf, pos, 4, 1);
    case 0xca:
    case 0xd2:
    case 0xce:
      return leaf(5, buf, pos);
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return leaf(9, buf, pos);
    case 0xcc:
    case 0xd0:
      return leaf(2, buf, pos);
    case 0xcd:
    case 0xd1:
      return leaf(3, buf, pos);
    case 0xd4:
      return leaf(3, buf, pos);
    case 0xd5:
      return leaf(4, buf, pos);
    case 0xd6:
      return leaf(6, buf, pos);
    case 0xd7:
      return leaf(10, buf, pos);
    case 0xd8:
      return leaf(18, buf, pos);
    case 0xdc:
      return countedContainer(buf, pos, 2, 1);
    case 0xdd:
      return countedContainer(buf, pos, 4, 1);
    case 0xde:
      return countedContainer(buf, pos, 2, 2);
    case 0xdf:
      return countedContainer(buf, pos, 4, 2);
    default:
      throw new DecodeError(`Cannot decode msgpack: invalid type byte 0x${b.toString(16)} at offset ${pos}`);
  }
}

function leaf(bytes: number, buf: Uint8Array, pos: number): ItemExtent | null {
  return pos + bytes <= buf.length ? { bytes, children: 0 } : null;
}

function container(bytes: number, children: number, buf: Uint8Array, pos: number): ItemExtent | null {
  return pos + bytes <= buf.length ? { bytes, children } : null;
}

/** Big-endian unsigned length of `width` bytes right after the type byte, or -1 if not all there. */
function readLength(buf: Uint8Array, pos: number, width: 1 | 2 | 4): number {
  if (pos + 1 + width > buf.length) return -1;
  let n = 0;
  for (let i = 1; i <= width; i++) n = n * 256 + buf[pos + i]!;
  return n;
}

/** A value whose header carries a byte length (str, bin, ext); `extra` counts an ext type byte. */
function sized(buf: Uint8Array, pos: number, width: 1 | 2 | 4, extra: number): ItemExtent | null {
  const n = readLength(buf, pos, width);
  if (n < 0) return null;
  return leaf(1 + width + extra + n, buf, pos);
}

function countedContainer(buf: Uint8Array, pos: number, width: 2 | 4, perEntry: number): ItemExtent | null {
  const n = readLength(buf, pos, width);
  if (n < 0) return null;
  return { bytes: 1 + width, children: n * perEntry };
}
