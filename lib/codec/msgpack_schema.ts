/**
 * Turning decoded msgpack values into typed fields with go-msgpack's rules.
 *
 * Go decodes a struct from a map by field name: a missing field or an explicit
 * nil leaves the Go zero value ("" / 0 / false / empty), unknown keys are
 * skipped, and an integer of any msgpack width is accepted when it fits the
 * field. These helpers apply the same rules and throw `DecodeError` naming the
 * field whenever Go would have refused the value.
 *
 * @module
 */
import { DecodeError } from "../util/errors.ts";

const lossyUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8 = new TextEncoder();

/** True for a decoded msgpack map (a plain object). */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A short description of a decoded value for error messages. */
function describe(value: unknown): string {
  if (value === null) return "nil";
  if (value instanceof Uint8Array) return `raw of ${value.length} bytes`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (isPlainMap(value)) return "map";
  if (typeof value === "number" || typeof value === "bigint") return `number ${value}`;
  if (typeof value === "boolean") return `bool ${value}`;
  if (typeof value === "object") return "extension";
  return typeof value;
}

function fail(field: string, expected: string, value: unknown): never {
  throw new DecodeError(`Cannot decode field '${field}': expected ${expected}, got ${describe(value)}`);
}

/**
 * A decoded Go struct: a map of field name to value, or nil for the zero struct.
 * @param what names the struct in error messages.
 * @throws {DecodeError} when `value` is not a map.
 */
export function asStruct(value: unknown, what: string): Record<string, unknown> {
  if (isNil(value)) return {};
  if (!isPlainMap(value)) {
    throw new DecodeError(`Cannot decode ${what}: expected a map, got ${describe(value)}`);
  }
  return value;
}

/**
 * A Go string field. Bytes that are not UTF-8 become U+FFFD: Go allows them in
 * names, but serfts keeps strings as JavaScript strings.
 */
export function asString(value: unknown, field: string): string {
  if (isNil(value)) return "";
  if (value instanceof Uint8Array) return value.length <= 32 ? shortText(value) : lossyUtf8.decode(value);
  if (typeof value === "string") return value;
  return fail(field, "a string", value);
}

/** Short ASCII (command, node and event names) without a TextDecoder call, which costs an op on Deno. */
function shortText(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return lossyUtf8.decode(bytes);
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** A Go `[]byte` field, as an owned copy (the input buffer may be reused). */
export function asBytes(value: unknown, field: string): Uint8Array {
  if (isNil(value)) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value.slice();
  if (typeof value === "string") return utf8.encode(value);
  return fail(field, "bytes", value);
}

/**
 * A Go `[]byte` field as a view into the decoded buffer, not a copy: for
 * decoders whose caller owns the input and never writes to it (a received
 * datagram), where copying every address and payload cost more than the
 * rest of the decoding. Whoever keeps such a value long-term must copy it,
 * or it pins the whole input.
 */
export function asBytesView(value: unknown, field: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return asBytes(value, field);
}

/**
 * A Go unsigned integer field no larger than `max` (for a uint16, 65535).
 * Any msgpack integer width is accepted, as in Go, as long as the value fits.
 */
export function asUint(value: unknown, field: string, max: number = 0xffffffff): number {
  return asInt(value, field, 0, max);
}

/** A Go signed integer field within [`min`, `max`]. */
export function asInt(
  value: unknown,
  field: string,
  min: number = Number.MIN_SAFE_INTEGER,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (isNil(value)) return 0;
  let n: number;
  if (typeof value === "number" && Number.isInteger(value)) n = value;
  else if (typeof value === "bigint") {
    if (value < BigInt(min) || value > BigInt(max)) {
      return fail(field, `an integer in [${min}, ${max}]`, value);
    }
    n = Number(value);
  } else return fail(field, "an integer", value);
  if (n < min || n > max) return fail(field, `an integer in [${min}, ${max}]`, value);
  return n;
}

/** A Go float field; integers are accepted as Go accepts them. */
export function asFloat64(value: unknown, field: string): number {
  if (isNil(value)) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return fail(field, "a number", value);
}

/** A Go bool field; like go-msgpack, also accepts the integers 0 and 1. */
export function asBool(value: unknown, field: string): boolean {
  if (isNil(value)) return false;
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  return fail(field, "a bool", value);
}

/**
 * A Go `[]uint8` field such as memberlist's Vsn. go-msgpack writes it as raw
 * bytes (it is a `[]byte`), but reads an array of small integers as well.
 */
export function asUint8Slice(value: unknown, field: string): number[] {
  if (isNil(value)) return [];
  if (value instanceof Uint8Array) {
    // Every alive message carries one; `Array.from` on a typed array is several times slower.
    const out = new Array<number>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = value[i]!;
    return out;
  }
  if (Array.isArray(value)) return value.map((item, i) => asUint(item, `${field}[${i}]`, 0xff));
  return fail(field, "bytes or an array of uint8", value);
}

/** A Go slice field of any element type; elements are left for the caller to convert. */
export function asArray(value: unknown, field: string): unknown[] {
  if (isNil(value)) return [];
  if (Array.isArray(value)) return value;
  return fail(field, "an array", value);
}

/** A Go map field; values are left for the caller to convert. */
export function asMap(value: unknown, field: string): Record<string, unknown> {
  if (isNil(value)) return {};
  if (isPlainMap(value)) return value;
  return fail(field, "a map", value);
}
