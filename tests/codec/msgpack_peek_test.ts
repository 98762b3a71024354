import assert from "node:assert/strict";
import { encodeMsgpack } from "../../lib/codec/msgpack.ts";
import { MsgpackPeek, PEEK_NIL, PEEK_OTHER } from "../../lib/codec/msgpack_peek.ts";
import { AsciiInterns } from "../../lib/util/ascii_interns.ts";
import { InternPool } from "../../lib/util/intern.ts";

Deno.test("MsgpackPeek.uint reads every unsigned form up to 32 bits and refuses the rest", () => {
  const peek = new MsgpackPeek();
  for (const n of [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1]) {
    const bytes = encodeMsgpack(n);
    peek.reset(bytes, 0);
    assert.equal(peek.uint(), n);
    assert.equal(peek.pos, bytes.length);
  }
  for (const v of [2 ** 32, -1, "1", null]) {
    peek.reset(encodeMsgpack(v), 0);
    assert.equal(peek.uint(), PEEK_OTHER);
    assert.equal(peek.pos, 0);
  }
});

Deno.test("MsgpackPeek.rawLength and ascii read raws of every width, nil, and refuse truncation", () => {
  const peek = new MsgpackPeek();
  for (const len of [0, 31, 32, 65535, 65536]) {
    const bytes = encodeMsgpack("a".repeat(len));
    peek.reset(bytes, 0);
    assert.equal(peek.rawLength(), len);
    assert.equal(peek.pos, bytes.length - len);
    peek.reset(bytes.subarray(0, bytes.length - 1), 0);
    assert.equal(peek.rawLength(), PEEK_OTHER);
  }
  peek.reset(encodeMsgpack(null), 0);
  assert.equal(peek.rawLength(), PEEK_NIL);
  peek.reset(encodeMsgpack("node-1"), 0);
  assert.equal(peek.ascii(64), "node-1");
  peek.reset(encodeMsgpack("nöde"), 0);
  assert.equal(peek.ascii(64), undefined);
  peek.reset(encodeMsgpack("x".repeat(65)), 0);
  assert.equal(peek.ascii(64), undefined);
});

Deno.test("MsgpackPeek.key matches only the exact encoded key", () => {
  const peek = new MsgpackPeek();
  const bytes = encodeMsgpack(new Map([["Node", 1]]));
  peek.reset(bytes, 0);
  assert.equal(peek.mapLength(), 1);
  assert.equal(peek.key(encodeMsgpack("Nod")), false);
  assert.equal(peek.key(encodeMsgpack("Node")), true);
  assert.equal(peek.uint(), 1);
  peek.reset(encodeMsgpack([1]), 0);
  assert.equal(peek.mapLength(), PEEK_OTHER);
});

Deno.test("MsgpackPeek reads nothing at or past the end given to reset", () => {
  const peek = new MsgpackPeek();
  const bytes = new Uint8Array([...encodeMsgpack(300), ...encodeMsgpack("abc")]);
  peek.reset(bytes, 0, 2);
  assert.equal(peek.uint(), PEEK_OTHER, "uint16 cut by the end");
  peek.reset(bytes, 3, bytes.length - 1);
  assert.equal(peek.rawLength(), PEEK_OTHER, "raw cut by the end");
  peek.reset(bytes, 3, 4);
  assert.equal(peek.key(encodeMsgpack("abc")), false, "key cut by the end");
  peek.reset(new Uint8Array([0x80]), 0, 0);
  assert.equal(peek.mapLength(), PEEK_OTHER, "map at the end");
  peek.reset(bytes, 3, bytes.length);
  assert.equal(peek.key(encodeMsgpack("abc")), true);
});

Deno.test("MsgpackPeek.internedAscii answers the interned name, nil as empty, and leaves the rest in place", () => {
  const peek = new MsgpackPeek();
  const pool = new InternPool();
  const interns = new AsciiInterns(pool);
  const bytes = encodeMsgpack("node-00001");
  peek.reset(bytes, 0);
  const name = peek.internedAscii(interns);
  assert.equal(name, "node-00001");
  assert.equal(peek.pos, bytes.length);
  peek.reset(bytes, 0);
  assert.ok(Object.is(peek.internedAscii(interns), name));
  peek.reset(encodeMsgpack(null), 0);
  assert.equal(peek.internedAscii(interns), "");
  for (const v of ["pëer", "x".repeat(64), 7]) {
    peek.reset(encodeMsgpack(v), 0);
    assert.equal(peek.internedAscii(interns), undefined, JSON.stringify(v));
    assert.equal(peek.pos, 0);
  }
});

Deno.test("MsgpackPeek.anyMapLength and arrayLength read every header form, and nothing past the end", () => {
  const peek = new MsgpackPeek();
  for (const n of [0, 15, 16, 65_535, 65_536]) {
    const map = encodeMsgpack(new Map(Array.from({ length: n }, (_, i) => [`k${i}`, i] as [string, number])));
    peek.reset(map, 0);
    assert.equal(peek.anyMapLength(), n, `map of ${n}`);
    assert.equal(peek.pos, n < 16 ? 1 : n < 65_536 ? 3 : 5);
    const array = encodeMsgpack(Array.from({ length: n }, () => 0));
    peek.reset(array, 0);
    assert.equal(peek.arrayLength(), n, `array of ${n}`);
    peek.reset(array, 0);
    assert.equal(peek.anyMapLength(), PEEK_OTHER, "an array is not a map");
    assert.equal(peek.pos, 0);
    peek.reset(array, 0, n < 16 ? 0 : n < 65_536 ? 2 : 4);
    assert.equal(peek.arrayLength(), PEEK_OTHER, `header of ${n} cut by the end`);
    assert.equal(peek.pos, 0);
  }
  peek.reset(encodeMsgpack(null), 0);
  assert.equal(peek.arrayLength(), PEEK_OTHER, "nil is not an array here");
});
