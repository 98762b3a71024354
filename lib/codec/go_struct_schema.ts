/**
 * Go structs as msgpack maps, declared once per struct. memberlist and Serf
 * messages are Go structs that go-msgpack writes as maps keyed by field name
 * (sorted); a {@linkcode GoStructSchema} reads a spec such as
 * `"SeqNo:u32 Node:str"` and both encodes a message to that map and decodes
 * the map back, applying go-msgpack's rules through each field's
 * {@linkcode FieldKind}. One declaration per struct means the encoder and
 * decoder cannot drift apart; the golden vectors pin the bytes.
 *
 * TypeScript names follow from Go names: the first letter lowercased
 * (`SeqNo` → `seqNo`, `LTime` → `lTime`), an all-capitals name lowercased
 * (`ID` → `id`), or given explicitly as `Timeout=timeoutMs:dur`.
 *
 * @module
 */
import type { MsgpackEncodable } from "./msgpack.ts";
import { asBool, asBytes, asBytesView, asInt, asString, asUint, asUint8Slice } from "./msgpack_schema.ts";

/** How one field travels; `undefined` either way means the field is left out (omitempty). */
export interface FieldKind<T = unknown> {
  /** From the decoded msgpack value (nil or missing: Go's zero value), naming `field` in errors. */
  decode(value: unknown, field: string): T | undefined;
  /** To the value go-msgpack would write. */
  encode(value: T): MsgpackEncodable | undefined;
}

/** A field kind from its two directions; by default the value is written as it is. */
export function fieldKind<T>(
  decode: (value: unknown, field: string) => T | undefined,
  encode: (value: T) => MsgpackEncodable | undefined = (v) => v as MsgpackEncodable,
): FieldKind<T> {
  return { decode, encode };
}

/** Go writes a nil `[]byte` as nil; the usual empty slices in memberlist and Serf are nil. */
function nilWhenEmpty(bytes: Uint8Array | undefined): Uint8Array | null {
  return bytes && bytes.length > 0 ? bytes : null;
}

/** A protocol-version vector (`[]uint8`), which go-msgpack writes as raw bytes. */
function vsnBytes(vsn: readonly number[]): Uint8Array | null {
  for (const v of vsn) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) {
      throw new RangeError(
        `Cannot encode vsn: each entry must be an integer in [0, 255]: current value is ${v}`,
      );
    }
  }
  if (vsn.length === 0) return null;
  const out = new Uint8Array(vsn.length);
  for (let i = 0; i < vsn.length; i++) out[i] = vsn[i]!;
  return out;
}

/** The kinds memberlist's and Serf's structs share. */
export const BASE_KINDS: Readonly<Record<string, FieldKind<unknown>>> = {
  u8: fieldKind((v, f) => asUint(v, f, 0xff)),
  u16: fieldKind((v, f) => asUint(v, f, 0xffff)),
  u32: fieldKind((v, f) => asUint(v, f)),
  /** A signed integer (a Go `int`). */
  int: fieldKind((v, f) => asInt(v, f)),
  /** A length or count: a Go `int` that must not be negative. */
  count: fieldKind((v, f) => asInt(v, f, 0)),
  str: fieldKind(asString),
  bool: fieldKind(asBool),
  /** `[]byte`, nil when empty. */
  bytes: fieldKind(asBytes, nilWhenEmpty),
  /** `[]byte` written as it is, an empty non-nil slice included. */
  raw: fieldKind(asBytes),
  vsn: fieldKind(asUint8Slice, vsnBytes),
  /** omitempty `[]byte`, string and uint16: left out when empty, absent from the decoded message too. */
  "bytes?": fieldKind((v, f) => {
    const b = asBytes(v, f);
    return b.length > 0 ? b : undefined;
  }, (b: Uint8Array | undefined) => nilWhenEmpty(b) ?? undefined),
  "str?": fieldKind((v, f) => asString(v, f) || undefined, (s: string) => s || undefined),
  "u16?": fieldKind((v, f) => asUint(v, f, 0xffff) || undefined, (n: number) => n || undefined),
  /** omitempty bool: left out when false, so peers that do not know the field see nothing new. */
  "bool?": fieldKind((v, f) => asBool(v, f) || undefined, (b: boolean | undefined) => b || undefined),
};

/**
 * Overrides of {@linkcode BASE_KINDS} whose byte fields decode as views into
 * the input instead of copies (see `asBytesView`): for schemas that decode
 * buffers the caller owns and never reuses.
 */
export const VIEW_KINDS: Readonly<Record<string, FieldKind<unknown>>> = {
  bytes: fieldKind(asBytesView, nilWhenEmpty),
  raw: fieldKind(asBytesView),
  "bytes?": fieldKind((v, f) => {
    const b = asBytesView(v, f);
    return b.length > 0 ? b : undefined;
  }, (b: Uint8Array | undefined) => nilWhenEmpty(b) ?? undefined),
};

interface Field {
  go: string;
  ts: string;
  kind: FieldKind<unknown>;
}

function tsName(go: string): string {
  return /^[A-Z]+$/.test(go) ? go.toLowerCase() : go[0]!.toLowerCase() + go.slice(1);
}

/**
 * One Go struct's fields and how each travels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMsgpack, decodeMsgpack } from "./msgpack.ts";
 * import { GoStructSchema } from "./go_struct_schema.ts";
 *
 * const nack = new GoStructSchema<{ seqNo: number }>("SeqNo:u32");
 * const bytes = encodeMsgpack(nack.encode({ seqNo: 7 }));
 * assert.deepEqual(nack.decode(decodeMsgpack(bytes) as Record<string, unknown>), { seqNo: 7 });
 * ```
 */
export class GoStructSchema<T extends object> {
  readonly #fields: Field[];

  /**
   * @param spec space-separated `GoName:kind` or `GoName=tsName:kind`
   * @param kinds the kinds the spec may name, beyond {@linkcode BASE_KINDS}
   * @throws {TypeError} for a malformed spec or an unknown kind
   */
  constructor(spec: string, kinds: Readonly<Record<string, FieldKind<unknown>>> = {}) {
    this.#fields = spec.trim().split(/\s+/).map((entry) => {
      const m = /^([A-Za-z]+)(?:=([A-Za-z]+))?:([a-z0-9?]+)$/.exec(entry);
      const kind = m ? kinds[m[3]!] ?? BASE_KINDS[m[3]!] : undefined;
      if (!m || !kind) throw new TypeError(`Cannot build struct schema: bad field spec '${entry}'`);
      return { go: m[1]!, ts: m[2] ?? tsName(m[1]!), kind: kind as FieldKind<unknown> };
    });
    // go-msgpack writes struct fields sorted by name; sort once here, not per message.
    this.#fields.sort((a, b) => (a.go < b.go ? -1 : a.go > b.go ? 1 : 0));
  }

  /** The struct as go-msgpack writes it (fields sorted by Go name, omitted ones left out). */
  encode(value: T): Map<string, MsgpackEncodable> {
    const out = new Map<string, MsgpackEncodable>();
    const v = value as Record<string, unknown>;
    for (const f of this.#fields) {
      const encoded = f.kind.encode(v[f.ts]);
      if (encoded !== undefined) out.set(f.go, encoded);
    }
    return out;
  }

  /**
   * Reads a decoded struct map into `into` (or a new object).
   * @throws {DecodeError} naming the field Go would have refused
   */
  decode<U extends object = T>(s: Record<string, unknown>, into: U = {} as U): U & T {
    const out = into as Record<string, unknown>;
    for (const f of this.#fields) {
      const value = f.kind.decode(s[f.go], f.go);
      if (value !== undefined) out[f.ts] = value;
    }
    return out as U & T;
  }
}
