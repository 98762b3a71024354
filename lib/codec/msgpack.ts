/**
 * MessagePack as HashiCorp's go-msgpack 0.5.3 speaks it with a default
 * `codec.MsgpackHandle{}` (the handle memberlist and Serf use).
 *
 * Encoding is our own small writer so the bytes match Go's exactly:
 * - strings and byte arrays are both written as the old-spec "raw" type
 *   (fixraw 0xa0-0xbf, raw16 0xda, raw32 0xdb), never str8 or bin;
 * - a non-negative integer takes the smallest of positive fixint, uint8, uint16,
 *   uint32, uint64, and a negative one the smallest of negative fixint, int8 ... int64,
 *   whatever the Go field's type;
 * - Go structs are maps keyed by field name, with the keys in byte order of the
 *   names (go-msgpack sorts them), which {@linkcode goStruct} does for you;
 * - a float is only recognisable by its Go type, so wrap it in {@linkcode f64}/{@linkcode f32}.
 *
 * Serf's RPC uses a handle with `WriteExt: true`, which switches the encoder to the
 * new spec (str8 for strings, bin for byte arrays); pass `{ newSpec: true }` to
 * {@linkcode encodeMsgpack} or {@linkcode MsgpackWriter} for those bytes.
 *
 * Decoding uses `@msgpack/msgpack` after a bounds pre-scan, keeping raw values
 * as bytes (Go's raw type does not say whether it holds text), and the `as*`
 * helpers turn a decoded struct map into typed values with Go's zero-value rules.
 *
 * @module
 */
import { Decoder, ExtData, ExtensionCodec } from "@msgpack/msgpack";
import { DecodeError } from "../util/errors.ts";
import { decodeFlatMap } from "./msgpack_flat.ts";
import { DEFAULT_MAX_DEPTH, msgpackObjectLength } from "./msgpack_scan.ts";
import { asStruct as asStructChecked, isPlainMap } from "./msgpack_schema.ts";

export { msgpackObjectLength };

/** A number that Go declares as float64: always written as 0xcb, even when integral. */
export class Float64 {
  constructor(readonly value: number) {}
}

/** A number that Go declares as float32: written as 0xca. */
export class Float32 {
  constructor(readonly value: number) {}
}

/** Marks `value` as a Go float64. @example `encodeMsgpack(f64(1))` gives `cb 3f f0 00 ...` */
export function f64(value: number): Float64 {
  return new Float64(value);
}

/** Marks `value` as a Go float32. */
export function f32(value: number): Float32 {
  return new Float32(value);
}

/**
 * One value already encoded (by {@linkcode encodeMsgpack} or a
 * {@linkcode MsgpackWriter} with the same options), written verbatim: lets a
 * caller cache the bytes of a record it sends again and again.
 */
export class EncodedMsgpack {
  constructor(readonly bytes: Uint8Array) {}
}

/** Values {@linkcode encodeMsgpack} can write. `undefined` is written as nil. */
export type MsgpackEncodable =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Float64
  | Float32
  | EncodedMsgpack
  | readonly MsgpackEncodable[]
  | ReadonlyMap<string | number, MsgpackEncodable>
  | { readonly [key: string]: MsgpackEncodable };

/**
 * Builds the map go-msgpack writes for a Go struct: keys sorted by their bytes,
 * as go-msgpack sorts struct fields by encoded name. An `undefined` field is
 * left out, which is how a caller expresses a `codec:",omitempty"` field that is empty.
 *
 * @example
 * ```ts
 * import { encodeMsgpack, goStruct } from "./msgpack.ts";
 * encodeMsgpack(goStruct({ SeqNo: 1, Node: "a" })); // map with Node first, then SeqNo
 * ```
 */
export function goStruct(fields: Readonly<Record<string, MsgpackEncodable>>): Map<string, MsgpackEncodable> {
  const names = Object.keys(fields).filter((name) => fields[name] !== undefined);
  names.sort(compareUtf16);
  return new Map(names.map((name) => [name, fields[name]]));
}

/** Code-unit order equals byte order for the ASCII field names Go structs use. */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const MAX_ENCODE_DEPTH = 64;
const textEncoder = new TextEncoder();

/**
 * Encodes one value the way go-msgpack would encode the equivalent Go value.
 * Plain objects and Maps keep their insertion order; use {@linkcode goStruct} for structs.
 *
 * @throws {TypeError} for values with no msgpack form (functions, class instances, cycles).
 */
export function encodeMsgpack(value: MsgpackEncodable, options?: MsgpackEncodeOptions): Uint8Array {
  const newSpec = options?.newSpec ?? false;
  const spare = newSpec ? spareWriters.newSpec : spareWriters.oldSpec;
  // Encoding is synchronous, so one spare writer per layout serves every call; a
  // writer is taken while in use in case a value's encoding ever re-enters.
  const writer = spare ?? new MsgpackWriter({ newSpec });
  if (newSpec) spareWriters.newSpec = undefined;
  else spareWriters.oldSpec = undefined;
  try {
    writer.write(value);
    return writer.finish();
  } finally {
    // Keep the writer unless a big value (a push/pull state) grew its buffer.
    if (writer.length <= MAX_SPARE_BYTES) {
      writer.reset();
      if (newSpec) spareWriters.newSpec = writer;
      else spareWriters.oldSpec = writer;
    }
  }
}

/** Writers reused by {@linkcode encodeMsgpack} instead of allocating a buffer per value. */
const spareWriters: { oldSpec?: MsgpackWriter; newSpec?: MsgpackWriter } = {};
const MAX_SPARE_BYTES = 64 * 1024;

/** How {@linkcode MsgpackWriter} lays out strings and byte arrays. */
export interface MsgpackEncodeOptions {
  /**
   * Write strings as new-spec str (fixstr, str8, str16, str32) and `Uint8Array`s as
   * bin8/16/32, as go-msgpack does with `WriteExt: true` (Serf's RPC handle).
   * @default {false} (old-spec raw for both, as memberlist and Serf's gossip use)
   */
  newSpec?: boolean;
}

/**
 * An append-only msgpack writer, for producing several objects back to back
 * (a push/pull stream) into one buffer.
 */
export class MsgpackWriter {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = 0;
  #newSpec: boolean;

  constructor(options: MsgpackEncodeOptions = {}) {
    this.#newSpec = options.newSpec ?? false;
  }

  /** Appends one encoded value. */
  write(value: MsgpackEncodable): this {
    this.#value(value, 0);
    return this;
  }

  /** Appends bytes verbatim (a type byte, or raw user state after msgpack objects). */
  writeRaw(bytes: Uint8Array): this {
    const at = this.#claim(bytes.length); // may replace #buf
    this.#buf.set(bytes, at);
    return this;
  }

  /** Returns the bytes written so far (a copy sized exactly). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  /**
   * Returns the bytes written so far without copying them, and carries on in a
   * fresh buffer of the same capacity. For output handed off whole (to a socket):
   * copying a large buffer costs more than allocating the next one.
   */
  detach(): Uint8Array {
    const out = this.#buf.subarray(0, this.#len);
    this.#buf = new Uint8Array(this.#buf.length);
    this.#view = new DataView(this.#buf.buffer);
    this.#len = 0;
    return out;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /**
   * Drops everything after the first `length` bytes (all of it by default), keeping
   * the buffer for reuse; {@linkcode MsgpackWriter.finish} copies, so earlier results stay valid.
   * @throws {RangeError} when `length` is not between 0 and the bytes written
   */
  reset(length = 0): void {
    if (!Number.isInteger(length) || length < 0 || length > this.#len) {
      throw new RangeError(
        `Cannot reset writer as 'length' must be an integer in [0, ${this.#len}]: current value is ${length}`,
      );
    }
    this.#len = length;
  }

  /** Claims `n` bytes at the end, growing the buffer if needed; returns where they start. */
  #claim(n: number): number {
    const at = this.#len;
    const need = at + n;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, at));
      this.#buf = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#len = need;
    return at;
  }

  #byte(b: number): void {
    const at = this.#claim(1); // may replace #buf
    this.#buf[at] = b;
  }

  /** Writes a type byte followed by a big-endian unsigned number of `width` bytes. */
  #head(type: number, n: number | bigint, width: 1 | 2 | 4 | 8): void {
    const at = this.#claim(1 + width);
    this.#buf[at] = type;
    if (width === 1) this.#view.setUint8(at + 1, Number(n));
    else if (width === 2) this.#view.setUint16(at + 1, Number(n));
    else if (width === 4) this.#view.setUint32(at + 1, Number(n));
    else this.#view.setBigUint64(at + 1, BigInt.asUintN(64, BigInt(n)));
  }

  #value(value: MsgpackEncodable, depth: number): void {
    if (depth > MAX_ENCODE_DEPTH) {
      throw new TypeError(`Cannot encode msgpack: nesting deeper than ${MAX_ENCODE_DEPTH}`);
    }
    if (value === null || value === undefined) return this.#byte(0xc0);
    switch (typeof value) {
      case "boolean":
        return this.#byte(value ? 0xc3 : 0xc2);
      case "number":
        return this.#number(value);
      case "bigint":
        return this.#integer(value);
      case "string":
        return this.#string(value);
    }
    if (value instanceof Uint8Array) return this.#bytes(value);
    if (value instanceof EncodedMsgpack) {
      this.writeRaw(value.bytes);
      return;
    }
    if (value instanceof Float64) {
      this.#head(0xcb, 0, 8);
      this.#view.setFloat64(this.#len - 8, value.value);
      return;
    }
    if (value instanceof Float32) {
      this.#head(0xca, 0, 4);
      this.#view.setFloat32(this.#len - 4, value.value);
      return;
    }
    if (Array.isArray(value)) {
      this.#containerHead(0x90, 0xdc, 0xdd, value.length);
      for (const item of value as readonly MsgpackEncodable[]) this.#value(item, depth + 1);
      return;
    }
    if (value instanceof Map) {
      this.#containerHead(0x80, 0xde, 0xdf, value.size);
      for (const [k, v] of value) {
        this.#value(k as MsgpackEncodable, depth + 1);
        this.#value(v as MsgpackEncodable, depth + 1);
      }
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const entries = Object.entries(value as Record<string, MsgpackEncodable>);
      this.#containerHead(0x80, 0xde, 0xdf, entries.length);
      for (const [k, v] of entries) {
        this.#string(k);
        this.#value(v, depth + 1);
      }
      return;
    }
    throw new TypeError(
      `Cannot encode msgpack: unsupported value of type ${proto?.constructor?.name ?? "?"}`,
    );
  }

  #number(value: number): void {
    if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 64) {
      return this.#integer(Number.isSafeInteger(value) ? value : BigInt(value));
    }
    // Not an integer Go could have held: the only faithful form left is a float64.
    this.#head(0xcb, 0, 8);
    this.#view.setFloat64(this.#len - 8, value);
  }

  /** go-msgpack's choice: uint forms for values >= 0, int forms below 0, smallest first. */
  #integer(value: number | bigint): void {
    if (value >= 0) {
      if (value <= 0x7f) return this.#byte(Number(value));
      if (value <= 0xff) return this.#head(0xcc, value, 1);
      if (value <= 0xffff) return this.#head(0xcd, value, 2);
      if (value <= 0xffffffff) return this.#head(0xce, value, 4);
      if (BigInt(value) > 0xffffffffffffffffn) {
        throw new TypeError(`Cannot encode msgpack: integer out of uint64 range: ${value}`);
      }
      return this.#head(0xcf, value, 8);
    }
    if (value >= -32) return this.#byte(Number(value) & 0xff);
    if (value >= -0x80) return this.#head(0xd0, Number(value) & 0xff, 1);
    if (value >= -0x8000) return this.#head(0xd1, Number(value) & 0xffff, 2);
    if (value >= -0x80000000) return this.#head(0xd2, Number(value) >>> 0, 4);
    if (BigInt(value) < -0x8000000000000000n) {
      throw new TypeError(`Cannot encode msgpack: integer out of int64 range: ${value}`);
    }
    return this.#head(0xd3, value, 8);
  }

  /**
   * A string as {@linkcode MsgpackWriter.#str} writes it. Short ASCII strings (names,
   * tags, Go field names: nearly all of them) are copied char by char, skipping
   * the TextEncoder call and its allocation.
   */
  #string(value: string): void {
    const n = value.length;
    if (n >= 32) return this.#str(textEncoder.encode(value));
    for (let i = 0; i < n; i++) {
      if (value.charCodeAt(i) > 0x7f) return this.#str(textEncoder.encode(value));
    }
    const at = this.#claim(1 + n);
    const buf = this.#buf;
    buf[at] = 0xa0 | n; // fixraw and fixstr share this form
    for (let i = 0; i < n; i++) buf[at + 1 + i] = value.charCodeAt(i);
  }

  /** A UTF-8 string: old-spec raw by default, str8/16/32 in new-spec mode. */
  #str(bytes: Uint8Array): void {
    if (!this.#newSpec) return this.#raw(bytes);
    const n = bytes.length;
    if (n < 32) this.#byte(0xa0 | n);
    else if (n < 0x100) this.#head(0xd9, n, 1);
    else if (n < 0x10000) this.#head(0xda, n, 2);
    else this.#head(0xdb, n, 4);
    this.writeRaw(bytes);
  }

  /** A Go `[]byte`: old-spec raw by default, bin8/16/32 (no fix form) in new-spec mode. */
  #bytes(bytes: Uint8Array): void {
    if (!this.#newSpec) return this.#raw(bytes);
    const n = bytes.length;
    if (n < 0x100) this.#head(0xc4, n, 1);
    else if (n < 0x10000) this.#head(0xc5, n, 2);
    else this.#head(0xc6, n, 4);
    this.writeRaw(bytes);
  }

  /** Old-spec raw: go-msgpack writes both string and []byte this way (no str8, no bin). */
  #raw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n < 32) this.#byte(0xa0 | n);
    else if (n < 0x10000) this.#head(0xda, n, 2);
    else this.#head(0xdb, n, 4);
    this.writeRaw(bytes);
  }

  #containerHead(fix: number, type16: number, type32: number, n: number): void {
    if (n < 16) this.#byte(fix | n);
    else if (n < 0x10000) this.#head(type16, n, 2);
    else this.#head(type32, n, 4);
  }
}

/** Limits for decoding untrusted input. */
export interface MsgpackDecodeOptions {
  /**
   * Largest string/bin length and array/map item count accepted.
   * @default {16777216} (16 MiB), above any memberlist or Serf message
   */
  maxLength?: number;
  /**
   * Deepest container nesting accepted.
   * @default {64}
   */
  maxDepth?: number;
}

const DEFAULT_MAX_LENGTH = 16 * 1024 * 1024;

/** Keeps every extension as raw `ExtData` (go-msgpack's RawExt), including type -1 timestamps. */
function rawExtensions(): ExtensionCodec {
  const codec = new ExtensionCodec();
  codec.register({ type: -1, encode: () => null, decode: (data, type) => new ExtData(type, data) });
  return codec;
}

function makeDecoder(maxLength: number): Decoder {
  return new Decoder({
    rawStrings: true,
    useBigInt64: true,
    extensionCodec: rawExtensions(),
    maxStrLength: maxLength,
    maxBinLength: maxLength,
    maxArrayLength: maxLength,
    maxMapLength: maxLength,
    maxExtLength: maxLength,
  });
}

const defaultDecoder = makeDecoder(DEFAULT_MAX_LENGTH);
/** The last decoder made for another limit: callers reuse one limit (the RPC server its request cap). */
let customDecoder: { maxLength: number; decoder: Decoder } | undefined;

function decoderFor(maxLength: number | undefined): Decoder {
  if (maxLength === undefined || maxLength === DEFAULT_MAX_LENGTH) return defaultDecoder;
  if (customDecoder?.maxLength !== maxLength) customDecoder = { maxLength, decoder: makeDecoder(maxLength) };
  return customDecoder.decoder;
}

/** One decoded object and how many bytes it took. */
export interface DecodedPrefix {
  value: unknown;
  length: number;
}

/**
 * Decodes the first msgpack object in `buf` at `offset` and ignores anything after it,
 * as go-msgpack does when memberlist decodes a packet body.
 *
 * Decoded shapes: nil is `null`; raw/str/bin are `Uint8Array` (views into `buf`);
 * int64/uint64 forms are `bigint`, other integers `number`; maps are plain objects
 * with string keys; extensions are `ExtData`.
 *
 * @throws {DecodeError} on truncated or malformed input, or a limit exceeded.
 */
export function decodeMsgpackPrefix(
  buf: Uint8Array,
  offset = 0,
  options: MsgpackDecodeOptions = {},
): DecodedPrefix {
  const length = msgpackObjectLength(buf, offset, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (length < 0) {
    throw new DecodeError(`Cannot decode msgpack: input truncated after ${buf.length - offset} bytes`);
  }
  const body = buf.subarray(offset, offset + length);
  // Most protocol bodies are small flat maps (ping, ack, alive, suspect): read those directly.
  const flat = decodeFlatMap(body, options.maxLength ?? DEFAULT_MAX_LENGTH);
  if (flat !== undefined) return { value: flat, length };
  const decoder = decoderFor(options.maxLength);
  try {
    return { value: decoder.decode(body), length };
  } catch (err) {
    throw new DecodeError(`Cannot decode msgpack: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Decodes a Go struct body (a msgpack map at the start of `buf`, trailing bytes
 * ignored as go-msgpack ignores them), naming `what` in the error if it is not one.
 * @throws {DecodeError} on malformed input or a non-map value.
 */
export function decodeStructPrefix(buf: Uint8Array, what: string): Record<string, unknown> {
  return asStructChecked(decodeMsgpackPrefix(buf).value, what);
}

/**
 * Decodes `buf`, which the caller has already found (with {@linkcode msgpackObjectLength})
 * to hold exactly one well-formed object, skipping the bounds scan {@linkcode decodeMsgpack} does.
 * @throws {DecodeError} when a limit is exceeded or the value is malformed.
 */
export function decodeScannedMsgpack(
  buf: Uint8Array,
  options: Pick<MsgpackDecodeOptions, "maxLength"> = {},
): unknown {
  const flat = decodeFlatMap(buf, options.maxLength ?? DEFAULT_MAX_LENGTH);
  if (flat !== undefined) return flat;
  try {
    return decoderFor(options.maxLength).decode(buf);
  } catch (err) {
    throw new DecodeError(`Cannot decode msgpack: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Decodes exactly one msgpack object filling all of `buf`.
 *
 * @example
 * ```ts
 * import { decodeMsgpack } from "./msgpack.ts";
 * decodeMsgpack(new Uint8Array([0x81, 0xa1, 0x41, 0x07])); // { A: 7 }
 * ```
 * @throws {DecodeError} on malformed input or trailing bytes.
 */
export function decodeMsgpack(buf: Uint8Array, options?: MsgpackDecodeOptions): unknown {
  const { value, length } = decodeMsgpackPrefix(buf, 0, options);
  if (length !== buf.length) {
    throw new DecodeError(`Cannot decode msgpack: ${buf.length - length} trailing bytes`);
  }
  return value;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes one object into friendly JavaScript for tools and tests: raw values
 * that are valid UTF-8 become strings, bigints that fit become numbers.
 * Not for protocol code, which must not guess whether a raw is text.
 */
export function decodeGeneric(buf: Uint8Array, options?: MsgpackDecodeOptions): unknown {
  return friendly(decodeMsgpack(buf, options));
}

function friendly(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    try {
      return strictUtf8.decode(value);
    } catch {
      return value.slice();
    }
  }
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (Array.isArray(value)) return value.map(friendly);
  if (isPlainMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = friendly(v);
    return out;
  }
  return value;
}

export {
  asArray,
  asBool,
  asBytes,
  asFloat64,
  asInt,
  asMap,
  asString,
  asStruct,
  asUint,
  asUint8Slice,
  isPlainMap,
} from "./msgpack_schema.ts";
