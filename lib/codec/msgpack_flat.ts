/**
 * A fast path for the commonest msgpack object on Serf's RPC: a small flat map
 * (a Go struct of scalars, such as a request header or an `event` body). It
 * decodes exactly what the general decoder would (string keys; raw values as
 * `Uint8Array` views into the input; integers up to 32 bits as numbers) and
 * gives up, returning `undefined`, on anything else, so the caller can fall
 * back to the general decoder. The general decoder costs a DataView and a
 * state stack per object, which shows when thousands of requests arrive at once.
 *
 * @module
 */

/** Known key strings, so a key costs a comparison instead of a new string. */
const keyCache: string[] = [];
const MAX_CACHED_KEYS = 64;

/**
 * Decodes `buf` when it holds exactly one fixmap (up to 15 entries) whose keys
 * are short ASCII strings and whose values are nil, booleans, integers of up to
 * 32 bits, strings or binaries, each no longer than `maxLength`; otherwise
 * returns `undefined` without throwing.
 *
 * @example
 * ```ts
 * import { decodeFlatMap } from "./msgpack_flat.ts";
 * decodeFlatMap(new Uint8Array([0x81, 0xa1, 0x41, 0x07]), 1024); // { A: 7 }
 * decodeFlatMap(new Uint8Array([0x91, 0x07]), 1024); // undefined: not a map
 * ```
 */
export function decodeFlatMap(buf: Uint8Array, maxLength: number): Record<string, unknown> | undefined {
  const end = buf.length;
  if (end === 0) return undefined;
  const head = buf[0]!;
  if ((head & 0xf0) !== 0x80) return undefined;
  const out: Record<string, unknown> = {};
  let pos = 1;
  for (let n = head & 0x0f; n > 0; n--) {
    if (pos >= end) return undefined;
    const k = buf[pos]!;
    if ((k & 0xe0) !== 0xa0) return undefined; // keys: fixstr only
    const klen = k & 0x1f;
    pos++;
    if (pos + klen > end) return undefined;
    const key = asciiKey(buf, pos, klen);
    if (key === undefined) return undefined;
    pos += klen;
    if (pos >= end) return undefined;
    const t = buf[pos]!;
    let value: unknown;
    let len = -1; // bytes of a raw value after its header
    let hdr = 1;
    if (t <= 0x7f) value = t;
    else if (t >= 0xe0) value = t - 0x100;
    else if ((t & 0xe0) === 0xa0) len = t & 0x1f;
    else {
      switch (t) {
        case 0xc0:
          value = null;
          break;
        case 0xc2:
          value = false;
          break;
        case 0xc3:
          value = true;
          break;
        case 0xcc:
          if (pos + 2 > end) return undefined;
          value = buf[pos + 1]!;
          hdr = 2;
          break;
        case 0xcd:
          if (pos + 3 > end) return undefined;
          value = (buf[pos + 1]! << 8) | buf[pos + 2]!;
          hdr = 3;
          break;
        case 0xce:
          if (pos + 5 > end) return undefined;
          value = ((buf[pos + 1]! << 24) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 8) | buf[pos + 4]!) >>>
            0;
          hdr = 5;
          break;
        case 0xd0:
          if (pos + 2 > end) return undefined;
          value = (buf[pos + 1]! << 24) >> 24;
          hdr = 2;
          break;
        case 0xd1:
          if (pos + 3 > end) return undefined;
          value = (((buf[pos + 1]! << 8) | buf[pos + 2]!) << 16) >> 16;
          hdr = 3;
          break;
        case 0xd2:
          if (pos + 5 > end) return undefined;
          value = (buf[pos + 1]! << 24) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 8) | buf[pos + 4]!;
          hdr = 5;
          break;
        case 0xc4:
        case 0xd9:
          if (pos + 2 > end) return undefined;
          len = buf[pos + 1]!;
          hdr = 2;
          break;
        case 0xc5:
        case 0xda:
          if (pos + 3 > end) return undefined;
          len = (buf[pos + 1]! << 8) | buf[pos + 2]!;
          hdr = 3;
          break;
        default:
          return undefined; // 64-bit integers (bigint), floats, containers, extensions: the general decoder
      }
    }
    if (len >= 0) {
      if (len > maxLength) return undefined; // let the general decoder report the limit
      const from = pos + hdr;
      if (from + len > end) return undefined;
      value = buf.subarray(from, from + len);
      pos = from + len;
    } else {
      pos += hdr;
    }
    if (key === "__proto__") {
      // An own property, not the prototype: Go peers may send any key (a tag named
      // "__proto__" is legal in Serf), and assignment would replace the prototype.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = value;
    }
  }
  return pos === end ? out : undefined;
}

function asciiKey(buf: Uint8Array, at: number, len: number): string | undefined {
  search: for (const known of keyCache) {
    if (known.length !== len) continue;
    for (let i = 0; i < len; i++) if (known.charCodeAt(i) !== buf[at + i]) continue search;
    return known;
  }
  let key = "";
  for (let i = 0; i < len; i++) {
    const c = buf[at + i]!;
    if (c > 0x7f) return undefined;
    key += String.fromCharCode(c);
  }
  if (keyCache.length < MAX_CACHED_KEYS) keyCache.push(key);
  return key;
}
