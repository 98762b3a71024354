import assert from "node:assert/strict";
import { ASCII_INTERN_MAX_LENGTH, AsciiInterns } from "../../lib/util/ascii_interns.ts";
import { InternPool } from "../../lib/util/intern.ts";
import { SeededRandom } from "../../lib/util/random.ts";

/** What the cache must answer: the string those bytes spell, when short and all ASCII. */
function reference(buf: Uint8Array, start: number, end: number): string | undefined {
  if (end - start > ASCII_INTERN_MAX_LENGTH) return undefined;
  const bytes = buf.subarray(start, end);
  if (bytes.some((b) => b > 0x7f)) return undefined;
  return String.fromCharCode(...bytes);
}

Deno.test("AsciiInterns answers what the bytes spell, through collisions, in a randomized run against a reference", () => {
  const rng = new SeededRandom(7);
  const pool = new InternPool();
  // Two sets of two slots for dozens of names: nearly every lookup collides or evicts.
  const names = new AsciiInterns(pool, 4);
  const alphabet = [0x61, 0x62, 0x2d, 0x30, 0x7f, 0x80, 0xc3, 0xff, 0x00];
  const words: number[][] = [];
  for (let i = 0; i < 60; i++) {
    const length = rng.next() < 0.1 ? ASCII_INTERN_MAX_LENGTH + rng.next() * 3 | 0 : rng.next() * 12 | 0;
    words.push(
      Array.from({ length }, () => alphabet[rng.next() * (rng.next() < 0.9 ? 4 : alphabet.length) | 0]!),
    );
  }
  // Prefixes of one another, to catch a compare that stops at the shorter length.
  words.push([0x61], [0x61, 0x61], [0x61, 0x61, 0x61], []);
  for (let i = 0; i < 20_000; i++) {
    const word = words[rng.next() * words.length | 0]!;
    const pad = rng.next() * 3 | 0;
    const buf = new Uint8Array([...Array(pad).fill(0x61), ...word, 0x62]);
    const want = reference(buf, pad, pad + word.length);
    const got = names.get(buf, pad, pad + word.length);
    assert.equal(got, want, `word ${JSON.stringify(word)}`);
    if (got !== undefined) assert.equal(got, pool.string(got), "the pool's canonical copy");
  }
});

Deno.test("AsciiInterns returns one string object for the same bytes read from different buffers", () => {
  const names = new AsciiInterns(new InternPool());
  const enc = new TextEncoder();
  const a = names.get(enc.encode("node-00001"), 0, 10)!;
  const b = names.get(enc.encode("xxnode-00001"), 2, 12)!;
  assert.equal(a, "node-00001");
  assert.ok(Object.is(a, b));
  assert.equal(names.get(enc.encode("node-0000"), 0, 9), "node-0000", "a prefix is another name");
  assert.equal(names.get(enc.encode("nöde"), 0, 5), undefined, "not ASCII");
  const longest = ASCII_INTERN_MAX_LENGTH;
  assert.equal(names.get(enc.encode("x".repeat(longest + 1)), 0, longest + 1), undefined, "too long");
  assert.equal(names.get(enc.encode("x".repeat(longest)), 0, longest), "x".repeat(longest));
});

Deno.test("AsciiInterns refuses a table size that is not a power of two", () => {
  assert.throws(() => new AsciiInterns(new InternPool(), 3), RangeError);
  assert.throws(() => new AsciiInterns(new InternPool(), 1), RangeError);
});
