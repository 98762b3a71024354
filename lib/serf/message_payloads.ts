/**
 * The small encodings Serf nests inside other fields: tags in memberlist node
 * metadata, query filters inside a query's `Filters`, and the Vivaldi
 * coordinate in memberlist's ping-ack payload. Also the decoding helpers shared
 * with `messages.ts`. Import these through `messages.ts`.
 *
 * Every decoder throws `DecodeError` on bad input and nothing else.
 *
 * @module
 */
import {
  asArray,
  asFloat64,
  asInt,
  asMap,
  asString,
  decodeMsgpackPrefix,
  decodeStructPrefix,
  encodeMsgpack,
  f64,
  goStruct,
  type MsgpackEncodable,
} from "../codec/msgpack.ts";
import { DecodeError } from "../util/errors.ts";
import type { LamportTime } from "./lamport.ts";

/** First byte of tag metadata; anything else means the whole metadata is a pre-0.3 role string. */
export const TAG_MAGIC_BYTE = 0xff;
/** Version byte in front of the coordinate in a ping ack (Serf's `PingVersion`). */
export const PING_VERSION = 1;
/** Filter type bytes. */
export const FilterType = { node: 0, tag: 1 } as const;
/**
 * Most dimensions accepted in a received coordinate. Serf uses 8; the bound only
 * stops a peer from making us allocate and compute on a huge vector.
 */
export const MAX_COORDINATE_DIMENSIONS = 1024;

const utf8 = new TextEncoder();
const lossyUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

// ------------------------------------------------------------ shared helpers

/**
 * A Go `[]byte` inside a struct: Serf's empty byte fields are nil slices,
 * which go-msgpack writes as nil (0xc0) rather than an empty raw.
 */
export function goBytes(bytes: Uint8Array | undefined): Uint8Array | null {
  return bytes && bytes.length > 0 ? bytes : null;
}

/** A Go `map[string]X` with keys in a stable (sorted) order: Go's order is random, any order decodes. */
export function sortedMap<V extends MsgpackEncodable>(
  record: Readonly<Record<string, V>>,
): Map<string, MsgpackEncodable> {
  return new Map(Object.keys(record).sort().map((k) => [k, record[k]!]));
}

/**
 * A `LamportTime` field (Go `uint64`). Values above 2^53 - 1 would lose
 * precision in a JavaScript number, so they are refused instead of rounded.
 */
export function asLTime(value: unknown, field: string): LamportTime {
  return asInt(value, field, 0, Number.MAX_SAFE_INTEGER);
}

/** A Go `[]string` field, at most `max` entries. */
export function asStrings(value: unknown, field: string, max: number = Number.MAX_SAFE_INTEGER): string[] {
  const items = asArray(value, field);
  checkCount(items.length, max, field);
  return items.map((s, i) => asString(s, `${field}[${i}]`));
}

/** A Go `map[string]string`, as an object without a prototype so any key is safe to look up. */
export function asStringMap(value: unknown, field: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(asMap(value, field))) out[k] = asString(v, `${field}[${k}]`);
  return out;
}

/** @throws {DecodeError} when a list is longer than the protocol allows. */
export function checkCount(n: number, max: number, field: string): void {
  if (n > max) throw new DecodeError(`Cannot decode field '${field}': more than ${max} entries: ${n}`);
}

/** Prefixes `body` with one leading byte (a type, filter type, magic or version byte). */
export function withLead(lead: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = lead;
  out.set(body, 1);
  return out;
}

// ------------------------------------------------------------ tags

/**
 * Encodes tags as node metadata: the magic byte 0xff, then a msgpack map.
 * Serf protocol versions below 3 only understood a role string, so for them
 * only the `role` tag is sent, as bare UTF-8.
 *
 * @example
 * ```ts
 * import { decodeTags, encodeTags } from "./message_payloads.ts";
 * import assert from "node:assert/strict";
 *
 * const meta = encodeTags({ role: "web" });
 * assert.equal(meta[0], 0xff);
 * assert.deepEqual({ ...decodeTags(meta) }, { role: "web" });
 * ```
 * @param protocolVersion the Serf protocol in use. @default 5
 */
export function encodeTags(tags: Readonly<Record<string, string>>, protocolVersion = 5): Uint8Array {
  if (protocolVersion < 3) return utf8.encode(tags.role ?? "");
  return withLead(TAG_MAGIC_BYTE, encodeMsgpack(sortedMap(tags)));
}

/**
 * Decodes node metadata into tags. Metadata that does not start with the magic
 * byte (including empty metadata) is an old role string, so it becomes
 * `{ role: <text> }`, exactly as Serf reports it: a node without metadata has
 * the tag `role=""`. The result has no prototype, so any tag name is safe to look up.
 *
 * @throws {DecodeError} when the map is malformed or a value is not a string.
 */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  if (meta.length === 0 || meta[0] !== TAG_MAGIC_BYTE) {
    const out: Record<string, string> = Object.create(null);
    out.role = lossyUtf8.decode(meta);
    return out;
  }
  return asStringMap(decodeMsgpackPrefix(meta, 1).value, "Tags");
}

// ------------------------------------------------------------ query filters

/** Only the named nodes process the query. */
export interface NodeFilter {
  type: "node";
  nodes: string[];
}

/** Only nodes whose tag `tag` matches the regular expression `expr` process the query. */
export interface TagFilter {
  type: "tag";
  tag: string;
  expr: string;
}

/** One entry of a query's `filters`. */
export type QueryFilter = NodeFilter | TagFilter;

/**
 * Encodes one query filter: its type byte, then a msgpack `[]string` (node
 * filter) or `{Expr, Tag}` struct (tag filter).
 */
export function encodeFilter(filter: QueryFilter): Uint8Array {
  if (filter.type === "node") return withLead(FilterType.node, encodeMsgpack(filter.nodes));
  return withLead(FilterType.tag, encodeMsgpack(goStruct({ Tag: filter.tag, Expr: filter.expr })));
}

/**
 * Decodes one query filter. Serf rejects a query whose filter it cannot read,
 * so callers should treat a `DecodeError` as "do not process".
 *
 * @throws {DecodeError} for an empty filter (which makes Serf 0.9.4 itself
 * panic), an unknown filter type, or a malformed body.
 */
export function decodeFilter(buf: Uint8Array): QueryFilter {
  if (buf.length === 0) throw new DecodeError("Cannot decode query filter: empty filter");
  const body = buf.subarray(1);
  switch (buf[0]) {
    case FilterType.node:
      return { type: "node", nodes: asStrings(decodeMsgpackPrefix(body).value, "filterNode") };
    case FilterType.tag: {
      const s = decodeStructPrefix(body, "tag filter");
      return { type: "tag", tag: asString(s.Tag, "Tag"), expr: asString(s.Expr, "Expr") };
    }
    default:
      throw new DecodeError(`Cannot decode query filter: unknown filter type ${buf[0]}`);
  }
}

// ------------------------------------------------------------ ping payload

/**
 * A Vivaldi network coordinate as Serf sends it (Dabek et al., 2004): `vec`,
 * `adjustment` and `height` in seconds, `error` dimensionless. Structurally
 * the same as `lib/coordinate`'s type.
 */
export interface Coordinate {
  vec: number[];
  error: number;
  adjustment: number;
  height: number;
}

/**
 * Encodes our coordinate as the payload of a ping ack: {@linkcode PING_VERSION}
 * then the msgpack `Coordinate{Adjustment, Error, Height, Vec}`. Every number is
 * written as float64 (0xcb) because Go declares them float64; an integral
 * value such as 1.0 would otherwise be written as an integer.
 */
export function encodePingPayload(c: Coordinate): Uint8Array {
  return withLead(
    PING_VERSION,
    encodeMsgpack(goStruct({
      Vec: c.vec.map((x) => f64(x)),
      Error: f64(c.error),
      Adjustment: f64(c.adjustment),
      Height: f64(c.height),
    })),
  );
}

/**
 * Decodes a peer's ping-ack payload into its coordinate. The values are not
 * vetted (NaN, infinities, dimensionality): the coordinate client does that.
 *
 * @throws {DecodeError} for an empty payload, another version byte, a malformed
 * body, or more than {@linkcode MAX_COORDINATE_DIMENSIONS} dimensions.
 */
export function decodePingPayload(payload: Uint8Array): Coordinate {
  if (payload.length === 0) throw new DecodeError("Cannot decode ping payload: empty payload");
  if (payload[0] !== PING_VERSION) {
    throw new DecodeError(`Cannot decode ping payload: unsupported ping version: ${payload[0]}`);
  }
  const s = decodeStructPrefix(payload.subarray(1), "coordinate");
  const vec = asArray(s.Vec, "Vec");
  checkCount(vec.length, MAX_COORDINATE_DIMENSIONS, "Vec");
  return {
    vec: vec.map((x, i) => asFloat64(x, `Vec[${i}]`)),
    error: asFloat64(s.Error, "Error"),
    adjustment: asFloat64(s.Adjustment, "Adjustment"),
    height: asFloat64(s.Height, "Height"),
  };
}
