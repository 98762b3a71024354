/**
 * Reading a few fields straight from msgpack bytes, without decoding the
 * object: for hot paths that only need to know whether a message is worth
 * decoding (most gossip a node receives repeats what it already knows) or
 * that read one fixed record shape many times (push/pull node states).
 * Every method reads at the cursor and moves it past what it read; any form
 * it does not handle answers a sentinel instead of throwing, so the caller
 * can fall back to the general decoder, which accepts or refuses the input
 * as before.
 *
 * @module
 */
import type { AsciiInterns } from "../util/ascii_interns.ts";

/** {@linkcode MsgpackPeek.rawLength}'s answer for nil. */
export const PEEK_NIL = -2;
/** The answer of every {@linkcode MsgpackPeek} method for a form it does not handle. */
export const PEEK_OTHER = -1;

/**
 * A cursor over one buffer. Not reentrant; callers share one per module
 * (reading is synchronous).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MsgpackPeek } from "./msgpack_peek.ts";
 *
 * const peek = new MsgpackPeek();
 * peek.reset(new Uint8Array([0x81, 0xa1, 0x41, 0xcd, 0x01, 0x00]), 0);
 * assert.equal(peek.mapLength(), 1);
 * assert.equal(peek.key(new Uint8Array([0xa1, 0x41])), true);
 * assert.equal(peek.uint(), 256);
 * ```
 */
export class MsgpackPeek {
  buf: Uint8Array = new Uint8Array(0);
  /** Where the next read starts. */
  pos = 0;
  /** Where the readable bytes end: nothing at or past it is read. */
  end = 0;

  /** Points the cursor at `buf[pos]`, reading no further than `buf[end - 1]`. */
  reset(buf: Uint8Array, pos: number, end: number = buf.length): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** A fixmap's entry count, or {@linkcode PEEK_OTHER}. */
  mapLength(): number {
    if (this.pos >= this.end) return PEEK_OTHER;
    const b = this.buf[this.pos]!;
    if ((b & 0xf0) !== 0x80) return PEEK_OTHER;
    this.pos++;
    return b & 0x0f;
  }

  /** A map's entry count in any of its forms (fixmap, map16, map32), or {@linkcode PEEK_OTHER} (nil included). */
  anyMapLength(): number {
    return this.#containerLength(0x80, 0xde);
  }

  /** An array's length in any of its forms (fixarray, array16, array32), or {@linkcode PEEK_OTHER} (nil included). */
  arrayLength(): number {
    return this.#containerLength(0x90, 0xdc);
  }

  /** The count in a container header: `fix` is its fix form's high nibble, `type16` its 16-bit form (32 follows). */
  #containerLength(fix: number, type16: number): number {
    const buf = this.buf, at = this.pos, end = this.end;
    if (at >= end) return PEEK_OTHER;
    const b = buf[at]!;
    if ((b & 0xf0) === fix) {
      this.pos = at + 1;
      return b & 0x0f;
    }
    if (b === type16 && at + 2 < end) {
      this.pos = at + 3;
      return (buf[at + 1]! << 8) | buf[at + 2]!;
    }
    if (b === type16 + 1 && at + 4 < end) {
      this.pos = at + 5;
      return ((buf[at + 1]! << 24) >>> 0) + ((buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!);
    }
    return PEEK_OTHER;
  }

  /** True (and past it) when the next bytes are exactly `encoded`, an encoded key. */
  key(encoded: Uint8Array): boolean {
    const buf = this.buf, at = this.pos;
    if (at + encoded.length > this.end) return false;
    for (let i = 0; i < encoded.length; i++) if (buf[at + i] !== encoded[i]) return false;
    this.pos = at + encoded.length;
    return true;
  }

  /** An unsigned integer in go-msgpack's forms up to 32 bits, or {@linkcode PEEK_OTHER}. */
  uint(): number {
    const buf = this.buf, at = this.pos, end = this.end;
    if (at >= end) return PEEK_OTHER;
    const b = buf[at]!;
    if (b <= 0x7f) {
      this.pos = at + 1;
      return b;
    }
    if (b === 0xcc && at + 1 < end) {
      this.pos = at + 2;
      return buf[at + 1]!;
    }
    if (b === 0xcd && at + 2 < end) {
      this.pos = at + 3;
      return (buf[at + 1]! << 8) | buf[at + 2]!;
    }
    if (b === 0xce && at + 4 < end) {
      this.pos = at + 5;
      return ((buf[at + 1]! << 24) >>> 0) + ((buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!);
    }
    return PEEK_OTHER;
  }

  /**
   * The length of an old-spec raw (fixraw, raw16, raw32), leaving the cursor
   * at its first byte; {@linkcode PEEK_NIL} for nil (cursor past it); or
   * {@linkcode PEEK_OTHER} for anything else, a truncated raw included.
   */
  rawLength(): number {
    const buf = this.buf, at = this.pos, end = this.end;
    if (at >= end) return PEEK_OTHER;
    const b = buf[at]!;
    let len: number, start: number;
    if (b === 0xc0) {
      this.pos = at + 1;
      return PEEK_NIL;
    }
    if ((b & 0xe0) === 0xa0) {
      len = b & 0x1f;
      start = at + 1;
    } else if (b === 0xda && at + 2 < end) {
      len = (buf[at + 1]! << 8) | buf[at + 2]!;
      start = at + 3;
    } else if (b === 0xdb && at + 4 < end) {
      len = ((buf[at + 1]! << 24) >>> 0) + ((buf[at + 2]! << 16) | (buf[at + 3]! << 8) | buf[at + 4]!);
      start = at + 5;
    } else return PEEK_OTHER;
    if (start + len > end) return PEEK_OTHER;
    this.pos = start;
    return len;
  }

  /**
   * A raw of at most `maxLength` ASCII bytes as a string ("" for nil), or
   * undefined for anything else (longer, non-ASCII, not a raw).
   */
  ascii(maxLength: number): string | undefined {
    const at = this.pos;
    const len = this.rawLength();
    if (len === PEEK_NIL) return "";
    if (len === PEEK_OTHER || len > maxLength) {
      this.pos = at;
      return undefined;
    }
    const buf = this.buf, start = this.pos;
    for (let i = start; i < start + len; i++) if (buf[i]! > 0x7f) return undefined;
    this.pos = start + len;
    return String.fromCharCode.apply(null, buf.subarray(start, start + len) as unknown as number[]);
  }

  /**
   * Like {@linkcode MsgpackPeek.ascii} with the interns' length cap, but the
   * answer is their canonical string: no new string for bytes read before.
   */
  internedAscii(interns: AsciiInterns): string | undefined {
    const at = this.pos;
    const len = this.rawLength();
    if (len === PEEK_NIL) return "";
    const s = len === PEEK_OTHER ? undefined : interns.get(this.buf, this.pos, this.pos + len);
    this.pos = s === undefined ? at : this.pos + len;
    return s;
  }
}
