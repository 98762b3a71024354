import assert from "node:assert/strict";
import { ByteSlab } from "../../lib/util/byte_slab.ts";

Deno.test("ByteSlab hands out zero-filled arrays that never overlap", () => {
  const slab = new ByteSlab({ slabBytes: 64 });
  const taken: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const a = slab.take(i % 17);
    assert.equal(a.length, i % 17);
    assert.ok(a.every((b) => b === 0), `array ${i} is not zero-filled`);
    a.fill(i + 1);
    taken.push(a);
  }
  // Had two arrays shared a byte, the later fill would show in the earlier one.
  taken.forEach((a, i) => assert.ok(a.every((b) => b === ((i + 1) & 0xff)), `array ${i} was overwritten`));
});

Deno.test("ByteSlab carves small arrays from one buffer and gives large ones their own", () => {
  const slab = new ByteSlab({ slabBytes: 1024 });
  const a = slab.take(100);
  const b = slab.take(100);
  assert.equal(a.buffer, b.buffer);
  assert.equal(b.byteOffset, 100);
  const big = slab.take(257);
  assert.notEqual(big.buffer, a.buffer);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 257);
});

Deno.test("ByteSlab starts a new buffer when the current one cannot hold a request", () => {
  const slab = new ByteSlab({ slabBytes: 16 });
  const first = slab.take(4);
  for (let i = 0; i < 3; i++) slab.take(4);
  const next = slab.take(1);
  assert.notEqual(next.buffer, first.buffer);
  assert.equal(next.byteOffset, 0);
});

Deno.test("ByteSlab rejects a slab size that is not a positive integer", () => {
  assert.throws(() => new ByteSlab({ slabBytes: 0 }), {
    name: "RangeError",
    message: "Cannot create byte slab as 'slabBytes' must be a positive integer: current value is 0",
  });
});
