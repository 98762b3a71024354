/**
 * The LZW codec as it was before the allocation-free rewrite of
 * lib/codec/lzw.ts (commit face744), kept as the reference the new one is
 * checked against byte for byte on random and gossip-like inputs, and the
 * byte-at-a-time CRC-32 the sliced one must agree with. Golden vectors pin this
 * code to Go's compress/lzw and hash/crc32.
 *
 * @module
 */
import { DecodeError } from "../../lib/util/errors.ts";

const LITERALS = 256;
const CLEAR = 256;
const END = 257;
const FIRST_WIDTH = 9;
const MAX_WIDTH = 12;
/** The compressor starts over once this entry would be assigned, as Go's writer does. */
const MAX_CODE = (1 << MAX_WIDTH) - 1;
const NO_CODE = -1;

/** A little-endian bit packer into a growable byte buffer. */
class BitWriter {
  bytes: Uint8Array;
  length = 0;
  #bits = 0;
  #nBits = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  write(code: number, width: number): void {
    this.#bits |= code << this.#nBits;
    this.#nBits += width;
    while (this.#nBits >= 8) {
      this.#push(this.#bits & 0xff);
      this.#bits >>>= 8;
      this.#nBits -= 8;
    }
  }

  /** Writes the last partial byte, if any. */
  flush(): Uint8Array {
    if (this.#nBits > 0) this.#push(this.#bits & 0xff);
    this.#nBits = 0;
    return this.bytes.slice(0, this.length);
  }

  #push(b: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = b;
  }
}

/**
 * Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed by `Close()`.
 */
export function referenceLzwCompress(input: Uint8Array): Uint8Array {
  const out = new BitWriter(input.length / 2 + 8);
  const dictionary = compressDictionary;

  out.write(CLEAR, FIRST_WIDTH);
  if (input.length === 0) {
    out.write(END, FIRST_WIDTH);
    return out.flush();
  }
  try {
    return compressInto(input, out, dictionary);
  } finally {
    dictionary.clear();
  }
}

/**
 * The dictionary of the compressor: (prefix code << 8 | byte) → entry, a
 * string already in the dictionary. An open-addressing hash table shared by
 * every call, since compressing is synchronous and gossip compresses a packet
 * per send. It holds at most 4094 entries in 16384 slots (64 KiB of keys, 32
 * KiB of entries), small enough to stay in cache: a flat table indexed by key
 * (a million slots) made nearly every lookup a cache miss. `clear` undoes
 * only the slots set.
 */
class CompressDictionary {
  /** Key + 1 per slot (0 is empty); keys are below 2^20. */
  readonly #keys = new Int32Array(DICTIONARY_SLOTS);
  readonly #entries = new Uint16Array(DICTIONARY_SLOTS);
  readonly #used = new Int32Array(MAX_CODE);
  #count = 0;

  /** The entry for `key`, or 0 when absent (entries are 258..4094). */
  get(key: number): number {
    const stored = key + 1;
    for (let slot = slotOf(key);; slot = (slot + 1) & SLOT_MASK) {
      const k = this.#keys[slot]!;
      if (k === stored) return this.#entries[slot]!;
      if (k === 0) return 0;
    }
  }

  set(key: number, entry: number): void {
    let slot = slotOf(key);
    while (this.#keys[slot] !== 0) slot = (slot + 1) & SLOT_MASK;
    this.#keys[slot] = key + 1;
    this.#entries[slot] = entry;
    this.#used[this.#count++] = slot;
  }

  clear(): void {
    for (let i = 0; i < this.#count; i++) this.#keys[this.#used[i]!] = 0;
    this.#count = 0;
  }
}

const DICTIONARY_SLOTS = 1 << 14;
const SLOT_MASK = DICTIONARY_SLOTS - 1;

/** Spreads a key's prefix code and byte over the slots (Fibonacci hashing: the top 14 bits of key * 2^32/φ). */
function slotOf(key: number): number {
  return Math.imul(key, 0x9e3779b1) >>> 18;
}

const compressDictionary = new CompressDictionary();

function compressInto(input: Uint8Array, out: BitWriter, dictionary: CompressDictionary): Uint8Array {
  let width = FIRST_WIDTH;
  let next = END; // the entry number most recently assigned
  let widthLimit = 1 << FIRST_WIDTH;

  /** Assigns the next entry; false when the dictionary was full and got cleared instead. */
  const advance = (): boolean => {
    next++;
    if (next === widthLimit) {
      width++;
      widthLimit <<= 1;
    }
    if (next === MAX_CODE) {
      out.write(CLEAR, width);
      width = FIRST_WIDTH;
      next = END;
      widthLimit = 1 << FIRST_WIDTH;
      dictionary.clear();
      return false;
    }
    return true;
  };

  let code = input[0]!;
  for (let i = 1; i < input.length; i++) {
    const byte = input[i]!;
    const key = code * LITERALS + byte;
    const known = dictionary.get(key);
    if (known !== 0) {
      code = known;
      continue;
    }
    out.write(code, width);
    code = byte;
    if (advance()) dictionary.set(key, next);
  }
  out.write(code, width);
  advance();
  out.write(END, width);
  return out.flush();
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
 * chain, no spelling buffer).
 */
const decompressTables = {
  offset: new Int32Array(1 << MAX_WIDTH),
  length: new Int32Array(1 << MAX_WIDTH),
};

/** Strings at least this long are copied with `copyWithin`; shorter ones byte by byte. */
const LONG_COPY = 32;

/**
 * Decompresses what Go's `lzw.NewReader(r, lzw.LSB, 8)` reads. Bytes after the
 * end code are ignored, as Go ignores them.
 *
 * @throws {DecodeError} on an invalid code, a stream that stops before its end code,
 * or output above `maxOutputBytes`.
 */
export function referenceLzwDecompress(input: Uint8Array, options: LzwDecompressOptions = {}): Uint8Array {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  // Shared tables: decompressing is synchronous, and every entry is written before it is read.
  const { offset, length } = decompressTables;
  let out = new Uint8Array(Math.min(maxOutput, Math.max(64, input.length * 3)));
  let outLen = 0;

  let width = FIRST_WIDTH;
  let widthLimit = 1 << FIRST_WIDTH;
  let hi = END; // next entry to define, once a previous code is known
  let last = NO_CODE;
  let lastOffset = 0; // where the previous code's string starts in `out`, and its length
  let lastLength = 0;
  let bits = 0;
  let nBits = 0;
  let pos = 0;

  while (true) {
    while (nBits < width) {
      if (pos >= input.length) {
        throw new DecodeError("Cannot decompress LZW: stream ends without an end code");
      }
      bits |= input[pos++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code === CLEAR) {
      width = FIRST_WIDTH;
      widthLimit = 1 << FIRST_WIDTH;
      hi = END;
      last = NO_CODE;
      continue;
    }
    if (code === END) return out.slice(0, outLen);
    if (code > hi) throw new DecodeError(`Cannot decompress LZW: invalid code ${code}`);

    // `code === hi` is the one entry not defined yet: the previous string plus
    // its own first byte.
    const undefinedYet = code === hi && last !== NO_CODE;
    const n = code < LITERALS ? 1 : undefinedYet ? lastLength + 1 : length[code]!;
    if (outLen + n > out.length) {
      if (outLen + n > maxOutput) {
        throw new DecodeError(`Decompressed message is larger than limit (${maxOutput})`);
      }
      const grown = new Uint8Array(Math.min(maxOutput, Math.max(outLen + n, out.length * 2)));
      grown.set(out.subarray(0, outLen));
      out = grown;
    }
    const at = outLen;
    if (code < LITERALS) {
      out[outLen++] = code;
    } else {
      const from = undefinedYet ? lastOffset : offset[code]!;
      const copied = undefinedYet ? lastLength : n;
      // The source ends at or before `at`, so the copy never reads what it writes.
      if (copied >= LONG_COPY) out.copyWithin(at, from, from + copied);
      else for (let i = 0; i < copied; i++) out[at + i] = out[from + i]!;
      outLen += copied;
      if (undefinedYet) out[outLen++] = out[from]!;
    }

    if (last !== NO_CODE) {
      // The previous string followed by this one's first byte, already in place.
      offset[hi] = lastOffset;
      length[hi] = lastLength + 1;
    }
    last = code;
    lastOffset = at;
    lastLength = n;
    hi++;
    if (hi >= widthLimit) {
      if (width === MAX_WIDTH) {
        // Dictionary full: keep decoding with it as is until the sender clears.
        last = NO_CODE;
        hi--;
      } else {
        width++;
        widthLimit <<= 1;
      }
    }
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), one table lookup per byte. */
export function referenceCrc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
