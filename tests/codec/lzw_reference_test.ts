import assert from "node:assert/strict";
import { crc32 } from "../../lib/codec/crc32.ts";
import { lzwCompress, lzwCompressTransient, lzwDecompress } from "../../lib/codec/lzw.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { referenceCrc32, referenceLzwCompress, referenceLzwDecompress } from "./_lzw_reference.ts";
import { mutations } from "./_fuzz.ts";

/** Random inputs of many shapes: alphabets from 1 to 256 symbols, lengths from 0 to 20,000, gossip-like repeats. */
function* randomInputs(seed: number, count: number): Generator<Uint8Array> {
  const rng = new SeededRandom(seed);
  const int = (n: number) => Math.floor(rng.next() * n);
  const names = Array.from(
    { length: 40 },
    (_, i) => new TextEncoder().encode(`node-${i}.dc1 alive 10.0.0.${i}`),
  );
  for (let i = 0; i < count; i++) {
    const length = i % 10 === 0 ? int(20_000) : int(2_000);
    if (i % 3 === 0) {
      // Concatenated fragments with a byte changed here and there, like packets of alive messages.
      const out = new Uint8Array(length);
      for (let at = 0; at < length;) {
        const name = names[int(names.length)]!;
        out.set(name.subarray(0, Math.min(name.length, length - at)), at);
        at += name.length;
        if (at < length) out[at++] = int(256);
      }
      yield out;
    } else {
      const alphabet = 1 + int(256);
      yield Uint8Array.from({ length }, () => int(alphabet));
    }
  }
}

function outcome(f: () => Uint8Array): Uint8Array | string {
  try {
    return f();
  } catch (err) {
    assert.ok(err instanceof DecodeError, `not a DecodeError: ${err}`);
    return `DecodeError: ${err.message}`;
  }
}

Deno.test("lzwCompress gives the reference codec's bytes on random and gossip-like inputs", () => {
  for (const input of randomInputs(11, 400)) {
    const got = lzwCompress(input);
    assert.deepEqual(got, referenceLzwCompress(input));
    assert.deepEqual(lzwDecompress(got), input);
  }
});

Deno.test("lzwCompress matches the reference at every length around a dictionary reset", () => {
  // Growing a random input a byte at a time walks the last assigned entry past
  // 4095, so one of these lengths ends exactly as the dictionary fills.
  const rng = new SeededRandom(5);
  const input = Uint8Array.from({ length: 5_200 }, () => Math.floor(rng.next() * 256));
  for (let n = 3_700; n <= input.length; n++) {
    const prefix = input.subarray(0, n);
    assert.deepEqual(lzwCompress(prefix), referenceLzwCompress(prefix), `length ${n}`);
  }
});

Deno.test("lzwDecompress agrees with the reference on valid, mutated and capped inputs", () => {
  const corpus = [...randomInputs(12, 60)].map(referenceLzwCompress);
  let checked = 0;
  for (const input of mutations(13, corpus, 3_000)) {
    const cap = checked % 4 === 0 ? 1 + (checked % 3_000) : 1 << 20;
    const got = outcome(() => lzwDecompress(input, { maxOutputBytes: cap }));
    const want = outcome(() => referenceLzwDecompress(input, { maxOutputBytes: cap }));
    assert.deepEqual(got, want, `input ${checked}`);
    checked++;
  }
  for (const input of corpus) assert.deepEqual(lzwDecompress(input), referenceLzwDecompress(input));
});

Deno.test("lzwDecompress results stay intact after later calls", () => {
  const a = new TextEncoder().encode("first first first first");
  const b = new TextEncoder().encode("second second second");
  const outA = lzwDecompress(lzwCompress(a));
  lzwDecompress(lzwCompress(b));
  assert.deepEqual(outA, a);
});

Deno.test("lzwCompressTransient is a view the next call overwrites; lzwCompress is a copy", () => {
  const a = new TextEncoder().encode("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  const b = new TextEncoder().encode("bcdefghijklmnopqrstuvwxyz0123456789");
  const kept = lzwCompress(a);
  const view = lzwCompressTransient(a);
  assert.deepEqual(view, kept);
  lzwCompressTransient(b);
  assert.notDeepEqual(view, kept);
  assert.deepEqual(lzwDecompress(kept), a);
});

Deno.test("crc32 agrees with the byte-at-a-time reference at every length and start value", () => {
  const rng = new SeededRandom(21);
  const data = Uint8Array.from({ length: 300 }, () => Math.floor(rng.next() * 256));
  for (let n = 0; n <= data.length; n++) {
    const seed = Math.floor(rng.next() * 0x1_0000_0000);
    assert.equal(crc32(data.subarray(0, n)), referenceCrc32(data.subarray(0, n)), `length ${n}`);
    assert.equal(crc32(data.subarray(n), seed), referenceCrc32(data.subarray(n), seed), `from ${n}`);
  }
});
