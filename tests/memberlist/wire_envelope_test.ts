import assert from "node:assert/strict";
import { lzwCompress } from "../../lib/codec/lzw.ts";
import { encodeMsgpack, goStruct } from "../../lib/codec/msgpack.ts";
import { concatBytes } from "../../lib/util/bytes.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { MessageType } from "../../lib/memberlist/messages.ts";
import { addCrc, compressPayload, decompressPayload, verifyCrc } from "../../lib/memberlist/wire.ts";
import { referenceCrc32 } from "../codec/_lzw_reference.ts";

/** A compress message as the general msgpack encoder writes it. */
function encodedCompress(payload: Uint8Array, newSpec = false): Uint8Array {
  const body = encodeMsgpack(goStruct({ Algo: 0, Buf: lzwCompress(payload) }), { newSpec });
  return concatBytes([Uint8Array.of(MessageType.compress), body]);
}

/** Random payloads whose compressed sizes cross the fixraw/raw16/raw32 boundaries. */
function payloads(): Uint8Array[] {
  const rng = new SeededRandom(3);
  const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
  const sizes = [1, 2, 10, 16, 18, 19, 20, 21, 22, 24, 30, 200, 1400, 43_000, 43_700, 44_000, 50_000];
  return [...sizes.map(random), new Uint8Array(100_000), new TextEncoder().encode("alive ".repeat(300))];
}

function outcome(f: () => Uint8Array): Uint8Array | string {
  try {
    return f();
  } catch (err) {
    assert.ok(err instanceof DecodeError, `not a DecodeError: ${err}`);
    return err.message;
  }
}

Deno.test("compressPayload writes what the general msgpack encoder writes, at every raw size", () => {
  const rawTypes = new Set<number>();
  for (const p of payloads()) {
    const want = encodedCompress(p);
    rawTypes.add(want[12]! >= 0xda ? want[12]! : 0xa0); // the tag after the head: raw16, raw32 or fixraw
    assert.deepEqual(compressPayload(p), want, `payload of ${p.length} bytes`);
    assert.deepEqual(decompressPayload(want.subarray(1)), p);
  }
  assert.deepEqual([...rawTypes].sort(), [0xa0, 0xda, 0xdb]);
});

Deno.test("compressPayload results stay intact after later calls", () => {
  const a = compressPayload(new TextEncoder().encode("first message first message"));
  const copy = a.slice();
  compressPayload(new TextEncoder().encode("a different second message"));
  assert.deepEqual(a, copy);
});

Deno.test("decompressPayload reads other msgpack layouts of the same struct", () => {
  const payload = new TextEncoder().encode("alive node-1 alive node-2 alive node-3");
  const packed = lzwCompress(payload);
  const reordered = concatBytes([
    Uint8Array.of(0x82, 0xa3, 0x42, 0x75, 0x66, 0xda, packed.length >> 8, packed.length & 255),
    packed,
    Uint8Array.of(0xa4, 0x41, 0x6c, 0x67, 0x6f, 0xcc, 0x00),
  ]);
  for (
    const body of [
      encodedCompress(payload, true).subarray(1), // Buf as bin8
      reordered,
      concatBytes([encodedCompress(payload).subarray(1), Uint8Array.of(1, 2, 3)]), // trailing bytes
    ]
  ) assert.deepEqual(decompressPayload(body), payload);
});

Deno.test("decompressPayload refuses every truncation of a message with a DecodeError", () => {
  const body = encodedCompress(new TextEncoder().encode("alive ".repeat(40))).subarray(1);
  for (let n = 0; n < body.length; n++) {
    const got = outcome(() => decompressPayload(body.subarray(0, n)));
    assert.equal(typeof got, "string", `truncated to ${n}`);
  }
  assert.match(String(outcome(() => decompressPayload(body.subarray(0, 14)))), /msgpack/);
});

Deno.test("addCrc writes the big-endian CRC-32 and verifyCrc checks it, at any offset", () => {
  const rng = new SeededRandom(8);
  for (let n = 0; n < 200; n += 7) {
    const payload = Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
    const packet = addCrc(payload);
    const crc = referenceCrc32(payload);
    assert.deepEqual([...packet.subarray(0, 5)], [
      MessageType.hasCrc,
      crc >>> 24,
      (crc >>> 16) & 255,
      (crc >>> 8) & 255,
      crc & 255,
    ]);
    const shifted = concatBytes([Uint8Array.of(9, 9, 9), packet]).subarray(3);
    assert.deepEqual(verifyCrc(shifted), payload);
    if (n > 0) {
      shifted[5 + (n >> 1)]! ^= 0x10;
      assert.equal(verifyCrc(shifted), null);
    }
  }
});
