/**
 * LZW as Go's `compress/lzw` does it with LSB bit order and 8-bit literals,
 * the only compression memberlist knows (its `compress` message, algo 0).
 *
 * The format: codes start 9 bits wide; 256 is "clear", 257 is "end"; every
 * code written defines a new dictionary entry, and the width grows by a bit
 * each time the next entry number reaches a power of two, up to 12 bits. The
 * compressor here emits the exact codes Go's writer emits, including a clear
 * code when the dictionary reaches entry 4095, so its output is byte-identical
 * (the golden vectors check this).
 *
 * Every gossip packet goes through here once each way, so both directions
 * keep their state in module-level tables and buffers reused from call to
 * call (both are synchronous): a packet costs one allocation, its result.
 *
 * @module
 */
import { DecodeError } from "../util/errors.ts";

const LITERALS = 256;
const CLEAR = 256;
const END = 257;
const FIRST_WIDTH = 9;
const MAX_WIDTH = 12;
/** The compressor starts over once this entry would be assigned, as Go's writer does. */
const MAX_CODE = (1 << MAX_WIDTH) - 1;
const NO_CODE = -1;

/**
 * Scratch buffers up to this size are kept for the next call; a larger one
 * (a push/pull state of many nodes) is used once and left to the collector.
 */
const KEEP_SCRATCH_BYTES = 64 * 1024;

/**
 * Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed by `Close()`.
 *
 * @example
 * ```ts
 * import { lzwCompress } from "./lzw.ts";
 * lzwCompress(new Uint8Array(0)); // Uint8Array [0x00, 0x03, 0x02]: clear then end
 * ```
 */
export function lzwCompress(input: Uint8Array): Uint8Array {
  return lzwCompressTransient(input).slice();
}

/**
 * Like {@linkcode lzwCompress}, but the result is a view into a buffer the next
 * call overwrites: for a caller that copies it straight into a message.
 *
 * @example
 * ```ts
 * import { lzwCompressTransient } from "./lzw.ts";
 * const packed = lzwCompressTransient(new TextEncoder().encode("alive alive alive"));
 * const kept = packed.slice(); // copy before compressing anything else
 * ```
 */
export function lzwCompressTransient(input: Uint8Array): Uint8Array {
  const bound = compressedBound(input.length);
  let out = compressScratch;
  if (bound > out.length) {
    out = new Uint8Array(bound);
    if (bound <= KEEP_SCRATCH_BYTES) compressScratch = out;
  }
  return out.subarray(0, compressInto(input, out));
}

let compressScratch = new Uint8Array(4096);

/**
 * Most bytes `n` input bytes compress to: at worst every byte is its own
 * 12-bit code, plus the first clear, a clear per full dictionary (over 3,800
 * codes apart), the last code and the end code.
 */
function compressedBound(n: number): number {
  const codes = n + 3 + Math.ceil(n / 3800);
  return Math.ceil((codes * MAX_WIDTH) / 8) + 4;
}

/**
 * The compressor's dictionary, an open-addressing hash table from
 * (prefix code, next byte) to the entry for that string. A slot holds
 * `key << 12 | entry` with key = prefix << 8 | byte (20 bits) and entry in
 * 258..4094, so one load answers a probe and 0 is never a valid slot. 16,384
 * slots for at most 4,094 entries keeps probes short and the table (64 KiB)
 * in cache, where a flat table indexed by key (a million entries) made nearly
 * every lookup a miss. Only the slots used are cleared afterwards.
 */
const DICTIONARY_SLOTS = 1 << 14;
const SLOT_MASK = DICTIONARY_SLOTS - 1;
/** Bits of the slot index: the top bits of the Fibonacci hash. */
const SLOT_SHIFT = 32 - 14;
/** 2^32 / φ, the multiplier of Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4). */
const GOLDEN = 0x9e3779b1;
const ENTRY_MASK = 0xfff;
const dictionary = new Int32Array(DICTIONARY_SLOTS);
const usedSlots = new Uint16Array(MAX_CODE);

/** Compresses `input` into `out` (at least {@linkcode compressedBound} long); returns the length written. */
function compressInto(input: Uint8Array, out: Uint8Array): number {
  const table = dictionary;
  let used = 0;
  // Little-endian bit packing: codes are ORed in above the pending bits, and
  // whole bytes leave from the bottom two at a time (pending stays under 16
  // bits, so a 12-bit code always fits in the 32-bit accumulator).
  let bits = CLEAR;
  let nBits = FIRST_WIDTH;
  let at = 0;
  let width = FIRST_WIDTH;
  let next = END; // the entry number most recently assigned
  let widthLimit = 1 << FIRST_WIDTH;

  if (input.length > 0) {
    let code = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const byte = input[i]!;
      const key = (code << 8) | byte;
      const tag = key << 12;
      let slot = Math.imul(key, GOLDEN) >>> SLOT_SHIFT;
      let found = 0;
      for (let v = table[slot]!; v !== 0; v = table[slot]!) {
        if ((v & ~ENTRY_MASK) === tag) {
          found = v & ENTRY_MASK;
          break;
        }
        slot = (slot + 1) & SLOT_MASK;
      }
      if (found !== 0) {
        code = found;
        continue;
      }
      bits |= code << nBits;
      nBits += width;
      if (nBits >= 16) {
        out[at++] = bits;
        out[at++] = bits >>> 8;
        bits >>>= 16;
        nBits -= 16;
      }
      code = byte;
      // Assign the next entry: `slot` is the empty slot the probe stopped at.
      if (++next === widthLimit) {
        width++;
        widthLimit <<= 1;
      }
      if (next !== MAX_CODE) {
        table[slot] = tag | next;
        usedSlots[used++] = slot;
        continue;
      }
      // The dictionary is full: a clear code, and both sides start over.
      bits |= CLEAR << nBits;
      nBits += width;
      if (nBits >= 16) {
        out[at++] = bits;
        out[at++] = bits >>> 8;
        bits >>>= 16;
        nBits -= 16;
      }
      width = FIRST_WIDTH;
      next = END;
      widthLimit = 1 << FIRST_WIDTH;
      for (let u = 0; u < used; u++) table[usedSlots[u]!] = 0;
      used = 0;
    }
    bits |= code << nBits;
    nBits += width;
    if (nBits >= 16) {
      out[at++] = bits;
      out[at++] = bits >>> 8;
      bits >>>= 16;
      nBits -= 16;
    }
    // The last code assigns an entry too, which can widen the end code or, at
    // entry 4095, put a clear code before it, as in Go's writer.
    if (++next === widthLimit) width++;
    if (next === MAX_CODE) {
      bits |= CLEAR << nBits;
      nBits += width;
      if (nBits >= 16) {
        out[at++] = bits;
        out[at++] = bits >>> 8;
        bits >>>= 16;
        nBits -= 16;
      }
      width = FIRST_WIDTH;
    }
  }
  for (let u = 0; u < used; u++) table[usedSlots[u]!] = 0;
  bits |= END << nBits;
  nBits += width;
  while (nBits > 0) {
    out[at++] = bits;
    bits >>>= 8;
    nBits -= 8;
  }
  return at;
}

/** Limits for {@linkcode lzwDecompress}. */
export interface LzwDecompressOptions {
  /**
   * Largest output accepted; LZW can expand a packet about 2700-fold, so a cap is a must.
   * @default {41943040} (40 MiB, memberlist 0.6's limit: push/pull user state plus an equal node budget)
   */
  maxOutputBytes?: number;
}

const DEFAULT_MAX_OUTPUT = 40 * 1024 * 1024;

/**
 * The decompressor's dictionary. Every entry is the previous code's string plus
 * the first byte of the next one, so it already sits in the output, starting
 * where the previous string started: an entry is its offset and length there,
 * and emitting a code is a copy from earlier output (no walk down a prefix
 * chain, no spelling buffer). Every entry is written before it is read.
 */
const entryOffset = new Int32Array(1 << MAX_WIDTH);
const entryLength = new Int32Array(1 << MAX_WIDTH);

/** Strings at least this long are copied with `copyWithin`; shorter ones byte by byte. */
const LONG_COPY = 32;

let decompressScratch = new Uint8Array(16 * 1024);

/**
 * Decompresses what Go's `lzw.NewReader(r, lzw.LSB, 8)` reads. Bytes after the
 * end code are ignored, as Go ignores them. The result is the caller's own.
 *
 * @example
 * ```ts
 * import { lzwCompress, lzwDecompress } from "./lzw.ts";
 * const text = new TextDecoder().decode(lzwDecompress(lzwCompress(new TextEncoder().encode("abab"))));
 * // "abab"
 * ```
 *
 * @throws {DecodeError} on an invalid code, a stream that stops before its end code,
 * or output above `maxOutputBytes`.
 */
export function lzwDecompress(input: Uint8Array, options: LzwDecompressOptions = {}): Uint8Array {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const offset = entryOffset;
  const length = entryLength;
  let out = decompressScratch;
  // Writable bytes: the scratch buffer may be larger than the cap.
  let room = Math.min(out.length, maxOutput);
  let outLen = 0;

  let width = FIRST_WIDTH;
  let widthLimit = 1 << FIRST_WIDTH;
  let mask = widthLimit - 1;
  let hi = END; // next entry to define, once a previous code is known
  let last = NO_CODE;
  let lastOffset = 0; // where the previous code's string starts in `out`, and its length
  let lastLength = 0;
  let bits = 0;
  let nBits = 0;
  let pos = 0;
  const inputEnd = input.length;

  while (true) {
    if (nBits < width) {
      // Two bytes at a time while there are two: pending bits stay under 12, so 28 fit.
      if (pos + 1 < inputEnd) {
        bits |= (input[pos]! | (input[pos + 1]! << 8)) << nBits;
        pos += 2;
        nBits += 16;
      } else {
        while (nBits < width) {
          if (pos >= inputEnd) {
            throw new DecodeError("Cannot decompress LZW: stream ends without an end code");
          }
          bits |= input[pos++]! << nBits;
          nBits += 8;
        }
      }
    }
    const code = bits & mask;
    bits >>>= width;
    nBits -= width;

    if (code < LITERALS) {
      if (outLen === room) {
        out = grownOutput(out, outLen, 1, maxOutput);
        room = Math.min(out.length, maxOutput);
      }
      out[outLen] = code;
      if (last !== NO_CODE) {
        offset[hi] = lastOffset;
        length[hi] = lastLength + 1;
      }
      lastOffset = outLen++;
      lastLength = 1;
    } else if (code === CLEAR) {
      width = FIRST_WIDTH;
      widthLimit = 1 << FIRST_WIDTH;
      mask = widthLimit - 1;
      hi = END;
      last = NO_CODE;
      continue;
    } else if (code === END) {
      const result = out.slice(0, outLen);
      if (out.length <= KEEP_SCRATCH_BYTES) decompressScratch = out;
      return result;
    } else if (code < hi || (code === hi && last === NO_CODE)) {
      // (`code === hi` with no previous code: entry 4095 of a full dictionary, defined.)
      const from = offset[code]!;
      const n = length[code]!;
      if (outLen + n > room) {
        out = grownOutput(out, outLen, n, maxOutput);
        room = Math.min(out.length, maxOutput);
      }
      // The source ends at or before `outLen`, so the copy never reads what it writes.
      if (n >= LONG_COPY) out.copyWithin(outLen, from, from + n);
      else for (let i = 0; i < n; i++) out[outLen + i] = out[from + i]!;
      if (last !== NO_CODE) {
        offset[hi] = lastOffset;
        length[hi] = lastLength + 1;
      }
      lastOffset = outLen;
      lastLength = n;
      outLen += n;
    } else if (code === hi && last !== NO_CODE) {
      // The one entry not defined yet: the previous string plus its own first byte.
      const n = lastLength + 1;
      if (outLen + n > room) {
        out = grownOutput(out, outLen, n, maxOutput);
        room = Math.min(out.length, maxOutput);
      }
      const from = lastOffset;
      if (lastLength >= LONG_COPY) out.copyWithin(outLen, from, from + lastLength);
      else for (let i = 0; i < lastLength; i++) out[outLen + i] = out[from + i]!;
      out[outLen + lastLength] = out[from]!;
      offset[hi] = lastOffset;
      length[hi] = n;
      lastOffset = outLen;
      lastLength = n;
      outLen += n;
    } else {
      throw new DecodeError(`Cannot decompress LZW: invalid code ${code}`);
    }

    last = code;
    hi++;
    if (hi >= widthLimit) {
      if (width === MAX_WIDTH) {
        // Dictionary full: keep decoding with it as is until the sender clears.
        last = NO_CODE;
        hi--;
      } else {
        width++;
        widthLimit <<= 1;
        mask = widthLimit - 1;
      }
    }
  }
}

/**
 * A larger output buffer holding the `outLen` bytes written so far, with room for `n` more.
 * @throws {DecodeError} when that would pass `maxOutput`.
 */
function grownOutput(
  out: Uint8Array<ArrayBuffer>,
  outLen: number,
  n: number,
  maxOutput: number,
): Uint8Array<ArrayBuffer> {
  if (outLen + n > maxOutput) {
    throw new DecodeError(`Decompressed message is larger than limit (${maxOutput})`);
  }
  const grown = new Uint8Array(Math.min(maxOutput, Math.max(outLen + n, out.length * 2)));
  grown.set(out.subarray(0, outLen));
  return grown;
}
