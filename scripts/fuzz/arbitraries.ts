/**
 * fast-check generators shared by the fuzz targets: bytes that are random,
 * bytes that are a valid encoding with a few mutations (truncated, bit-flipped,
 * overwritten, spliced, extended), and the golden vectors Go produced, as a
 * corpus of real wire bytes to mutate.
 *
 * @module
 */
import fc from "fast-check";

/** A golden vector as scripts/golden writes it: only the fields the fuzzers use. */
interface GoldenVector {
  kind: string;
  hex: string;
}

const GOLDEN_DIR = new URL("../../tests/data/golden/", import.meta.url);

/** Decodes lowercase hex. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Encodes bytes as lowercase hex, for failure reports. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The golden vectors of `file` whose kind is one of `kinds` (all when empty), as bytes.
 * @throws {Error} when the file is missing or none match, so a renamed kind is noticed
 */
export function goldenCorpus(file: "memberlist.json" | "serf.json", ...kinds: string[]): Uint8Array[] {
  const text = Deno.readTextFileSync(new URL(file, GOLDEN_DIR));
  const vectors = (JSON.parse(text) as { vectors: GoldenVector[] }).vectors;
  const picked = vectors.filter((v) => kinds.length === 0 || kinds.includes(v.kind)).map((v) =>
    fromHex(v.hex)
  );
  if (picked.length === 0) {
    throw new Error(`Cannot build fuzz corpus: no ${kinds.join("/")} vectors in ${file}`);
  }
  return picked;
}

type Mutation =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant("set" as const),
    at: fc.nat(),
    value: fc.constantFrom(0x00, 0x7f, 0x80, 0xc0, 0xc1, 0xcc, 0xcd, 0xce, 0xcf, 0xd9, 0xdc, 0xde, 0xff),
  }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
);

function applyMutation(buf: Uint8Array, m: Mutation): Uint8Array {
  const at = buf.length === 0 ? 0 : m.at % (buf.length + (m.kind === "insert" ? 1 : 0));
  switch (m.kind) {
    case "truncate":
      return buf.slice(0, at);
    case "flip": {
      const out = buf.slice();
      if (out.length > 0) out[at] = out[at]! ^ (1 << m.bit);
      return out;
    }
    case "set": {
      const out = buf.slice();
      if (out.length > 0) out[at] = m.value;
      return out;
    }
    case "insert":
      return Uint8Array.from([...buf.subarray(0, at), ...m.bytes, ...buf.subarray(at)]);
    case "delete":
      return Uint8Array.from([...buf.subarray(0, at), ...buf.subarray(at + m.count)]);
  }
}

/** `valid` with one to three mutations applied. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([buf, ms]) => ms.reduce(applyMutation, buf));
}

/** Random bytes, up to `maxLength` (short ones are the likeliest to reach odd branches). */
export function randomBytes(maxLength = 96): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

/**
 * Hostile input for a decoder: one third random bytes, two thirds mutations of
 * `valid` encodings (generated values and/or golden bytes).
 */
export function hostileBytes(...valid: fc.Arbitrary<Uint8Array>[]): fc.Arbitrary<Uint8Array> {
  const anyValid = valid.length === 1 ? valid[0]! : fc.oneof(...valid);
  return fc.oneof(
    { arbitrary: randomBytes(), weight: 1 },
    { arbitrary: mutated(anyValid), weight: 2 },
  );
}

/** One of the given buffers. */
export function corpus(buffers: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.constantFrom(...buffers);
}

/** A short printable or arbitrary string, the shape of names, tags and labels. */
export const shortString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);

/** An IPv4 address as 4 bytes. */
export const ipv4: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 4, maxLength: 4 });

/** A 32-bit unsigned integer, the width of sequence numbers and incarnations. */
export const u32: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffff_ffff });

/** A port. */
export const u16: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffff });

/** A Lamport time within what a JavaScript number holds exactly. */
export const lamport: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);
