import assert from "node:assert/strict";
import { InternPool } from "../../lib/util/intern.ts";

Deno.test("InternPool returns one shared array per byte content and one string per text", () => {
  const pool = new InternPool();
  const first = new Uint8Array([10, 0, 0, 1]);
  assert.equal(pool.bytes(first), first);
  assert.equal(pool.bytes(new Uint8Array([10, 0, 0, 1])), first);
  assert.notEqual(pool.bytes(new Uint8Array([10, 0, 0, 2])), first);
  const empty = pool.bytes(new Uint8Array(0));
  assert.equal(pool.bytes(new Uint8Array(0)), empty);
  const name = pool.string(`node-${1}`);
  assert.equal(pool.string(["node", "1"].join("-")), name);
});

Deno.test("InternPool leaves long byte strings alone and stays bounded", () => {
  const pool = new InternPool(2);
  const long = new Uint8Array(200);
  assert.equal(pool.bytes(long), long);
  assert.notEqual(pool.bytes(new Uint8Array(200)), long);
  const a = pool.bytes(new Uint8Array([1]));
  pool.bytes(new Uint8Array([2]));
  pool.bytes(new Uint8Array([3])); // the table was full: emptied, then [3] added
  const again = new Uint8Array([1]);
  assert.equal(pool.bytes(again), again); // no longer shared with `a`, still the right bytes
  assert.deepEqual([...a], [1]);
  assert.throws(() => new InternPool(0), RangeError);
});

Deno.test("InternPool keeps a copy of a view, never the larger buffer it points into", () => {
  const pool = new InternPool();
  const packet = new Uint8Array([9, 9, 10, 0, 0, 7, 9, ...new Uint8Array(300)]);
  const addr = pool.bytes(packet.subarray(2, 6));
  assert.deepEqual([...addr], [10, 0, 0, 7]);
  assert.notEqual(addr.buffer, packet.buffer);
  assert.equal(addr.buffer.byteLength, 4);
  assert.equal(pool.bytes(new Uint8Array([10, 0, 0, 7])), addr);
  const longView = packet.subarray(1, 200);
  const long = pool.bytes(longView);
  assert.deepEqual([...long], [...longView]);
  assert.notEqual(long.buffer, packet.buffer);
});
