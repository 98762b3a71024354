import assert from "node:assert/strict";
import { lzwCompress, lzwDecompress } from "../../lib/codec/lzw.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { fromHex, loadVectors, toHex } from "./_golden.ts";

const lzwVectors = loadVectors("memberlist.json").filter((v) => v.kind === "lzw");

function randomBytes(seed: number, n: number, alphabet = 256): Uint8Array {
  const rng = new SeededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rng.next() * alphabet));
}

Deno.test("lzwCompress matches Go's compress/lzw (LSB, 8) byte for byte", () => {
  assert.ok(lzwVectors.length >= 6);
  for (const v of lzwVectors) {
    assert.equal(toHex(lzwCompress(fromHex(v.payload!))), v.hex, v.name);
  }
});

Deno.test("lzwDecompress reads Go's compressed output", () => {
  for (const v of lzwVectors) {
    assert.equal(toHex(lzwDecompress(fromHex(v.hex))), v.payload, v.name);
  }
});

Deno.test("lzw round-trips inputs that cross every code width and several table resets", () => {
  const inputs = [
    randomBytes(1, 50_000),
    randomBytes(2, 80_000, 3),
    new Uint8Array(100_000),
    randomBytes(3, 4_000, 16),
  ];
  for (const input of inputs) assert.deepEqual(lzwDecompress(lzwCompress(input)), input);
});

Deno.test("lzwDecompress enforces its output cap", () => {
  const bomb = lzwCompress(new Uint8Array(1_000_000));
  assert.ok(bomb.length < 10_000);
  assert.throws(() => lzwDecompress(bomb, { maxOutputBytes: 100_000 }), /larger than limit \(100000\)/);
  assert.equal(lzwDecompress(bomb, { maxOutputBytes: 1_000_000 }).length, 1_000_000);
});

Deno.test("lzwDecompress refuses streams without an end code and invalid codes", () => {
  const whole = lzwCompress(new TextEncoder().encode("hello hello hello"));
  assert.throws(() => lzwDecompress(whole.subarray(0, whole.length - 2)), /without an end code/);
  assert.throws(() => lzwDecompress(new Uint8Array(0)), DecodeError);
  // Clear, then code 300 while only entries up to 257 exist.
  assert.throws(() => lzwDecompress(new Uint8Array([0x00, 0x59, 0x02, 0x08])), /invalid code/);
});

Deno.test("lzwDecompress ignores bytes after the end code, as Go does", () => {
  const whole = lzwCompress(new Uint8Array([1, 2, 3]));
  const padded = new Uint8Array([...whole, 0xff, 0xff]);
  assert.deepEqual(lzwDecompress(padded), new Uint8Array([1, 2, 3]));
});
