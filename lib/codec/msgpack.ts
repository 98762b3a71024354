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

export {
  EncodedMsgpack,
  encodeMsgpack,
  f32,
  f64,
  Float32,
  Float64,
  goStruct,
  type MsgpackEncodable,
  type MsgpackEncodeOptions,
  MsgpackWriter,
} from "./msgpack_encode.ts";

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
  asBytesView,
  asFloat64,
  asInt,
  asMap,
  asString,
  asStruct,
  asUint,
  asUint8Slice,
  isPlainMap,
} from "./msgpack_schema.ts";
