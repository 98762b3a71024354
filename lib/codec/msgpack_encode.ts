/**
 * The MessagePack encoder: go-msgpack 0.5.3's bytes exactly (old-spec raw for
 * strings and bytes, smallest integer forms, sorted struct fields, floats only
 * where Go declares them), or the new spec Serf's RPC handle writes. The
 * decoder and the whole format's description are in `msgpack.ts`, which
 * re-exports everything here.
 *
 * @module
 */
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
