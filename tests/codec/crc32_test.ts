import assert from "node:assert/strict";
import { crc32 } from "../../lib/codec/crc32.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("crc32 gives the IEEE check values", () => {
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(text("123456789")), 0xcbf43926);
  assert.equal(crc32(text("The quick brown fox jumps over the lazy dog")), 0x414fa339);
});

Deno.test("crc32 can continue over several chunks", () => {
  const whole = text("memberlist checksums its packets");
  assert.equal(crc32(whole.subarray(10), crc32(whole.subarray(0, 10))), crc32(whole));
});
