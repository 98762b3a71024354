/**
 * CRC-32 with the IEEE polynomial (the one in Ethernet, zlib and Go's
 * `crc32.ChecksumIEEE`), which memberlist uses to guard UDP packets.
 *
 * Computed "slicing-by-8" (Kounavis and Berry, Intel 2005): eight tables let
 * one step fold eight input bytes into the remainder with eight independent
 * lookups instead of eight dependent ones, about three times the speed of the
 * byte-at-a-time loop on gossip packets (scripts/bench/lzw_codec.ts).
 *
 * @module
 */

/** Reflected form of the IEEE polynomial 0x04c11db7. */
const IEEE_REFLECTED = 0xedb88320;

/**
 * Table `k` (entries `k * 256` to `k * 256 + 255`) holds the remainder of a
 * byte followed by `k` zero bytes; table 0 is the classic byte-at-a-time one.
 * Signed 32-bit entries keep the arithmetic in V8's small-integer range.
 */
function makeTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? IEEE_REFLECTED ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let k = 1; k < 8; k++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[k * 256 + n] = c;
    }
  }
  return tables;
}

const TABLES = makeTables();

/**
 * Continues a CRC-32 over more bytes; start with `crc = 0`.
 *
 * @example
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * const whole = crc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 * ```
 */
export function crc32(data: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = 0;
  for (const end = data.length - 8; i <= end; i += 8) {
    const low = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c = t[0x700 + (low & 0xff)]! ^ t[0x600 + ((low >>> 8) & 0xff)]! ^
      t[0x500 + ((low >>> 16) & 0xff)]! ^ t[0x400 + (low >>> 24)]! ^
      t[0x300 + data[i + 4]!]! ^ t[0x200 + data[i + 5]!]! ^
      t[0x100 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
