/**
 * CRC-32 with the IEEE polynomial (the one in Ethernet, zlib and Go's
 * `crc32.ChecksumIEEE`), which memberlist uses to guard UDP packets.
 *
 * @module
 */

/** Reflected form of the IEEE polynomial 0x04c11db7. */
const IEEE_REFLECTED = 0xedb88320;

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? IEEE_REFLECTED ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const TABLE = makeTable();

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
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
