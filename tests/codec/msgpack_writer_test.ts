import assert from "node:assert/strict";
import { EncodedMsgpack, encodeMsgpack, goStruct, MsgpackWriter } from "../../lib/codec/msgpack.ts";
import { StreamReader } from "../../lib/codec/stream_reader.ts";

Deno.test("MsgpackWriter writes an EncodedMsgpack verbatim", () => {
  const inner = encodeMsgpack(goStruct({ Name: "a", Port: 7946 }), { newSpec: true });
  const viaCache = encodeMsgpack([new EncodedMsgpack(inner), new EncodedMsgpack(inner)], { newSpec: true });
  const direct = encodeMsgpack([goStruct({ Name: "a", Port: 7946 }), goStruct({ Name: "a", Port: 7946 })], {
    newSpec: true,
  });
  assert.deepEqual(viaCache, direct);
});

Deno.test("MsgpackWriter writes short ASCII and non-ASCII strings as TextEncoder bytes would", () => {
  for (const s of ["", "a", "members-filtered", "x".repeat(31), "x".repeat(32), "héllo", "ключ", "日本"]) {
    const utf8 = new TextEncoder().encode(s);
    for (const newSpec of [false, true]) {
      const bytes = encodeMsgpack(s, { newSpec });
      assert.deepEqual(bytes.subarray(bytes.length - utf8.length), utf8, `${s} newSpec=${newSpec}`);
      if (utf8.length < 32) assert.equal(bytes[0], 0xa0 | utf8.length);
    }
  }
});

Deno.test("MsgpackWriter.reset keeps a prefix and refuses lengths it never wrote", () => {
  const w = new MsgpackWriter();
  w.write(1).write("ab");
  const mark = w.length;
  w.write([1, 2, 3]);
  w.reset(mark);
  assert.deepEqual(w.finish(), new Uint8Array([1, 0xa2, 0x61, 0x62]));
  assert.throws(() => w.reset(mark + 1), RangeError);
  w.reset();
  assert.equal(w.length, 0);
});

Deno.test("encodeMsgpack gives each caller its own bytes although it reuses a writer", () => {
  const a = encodeMsgpack("first");
  const b = encodeMsgpack("second");
  assert.deepEqual(a, new Uint8Array([0xa5, ...new TextEncoder().encode("first")]));
  assert.deepEqual(b, new Uint8Array([0xa6, ...new TextEncoder().encode("second")]));
  const big = encodeMsgpack(new Uint8Array(100_000));
  assert.equal(big.length, 100_005);
  assert.deepEqual(encodeMsgpack(7), new Uint8Array([7]));
});

Deno.test("StreamReader.tryReadMsgpack takes only objects already buffered in full", async () => {
  const obj = encodeMsgpack(goStruct({ Command: "event", Seq: 3 }), { newSpec: true });
  const chunks = [obj.subarray(0, 5), new Uint8Array([...obj.subarray(5), ...obj])];
  const reader = new StreamReader({ read: () => Promise.resolve(chunks.shift() ?? null) });
  assert.equal(reader.tryReadMsgpack(), undefined, "nothing buffered yet");
  await reader.peekByte();
  assert.equal(reader.tryReadMsgpack(), undefined, "half an object buffered");
  const first = await reader.readMsgpack();
  const second = reader.tryReadMsgpack();
  assert.deepEqual(second, first);
  assert.equal(reader.buffered, 0);
});

Deno.test("MsgpackWriter.detach hands over the bytes and carries on in a new buffer", () => {
  const w = new MsgpackWriter();
  w.write("first");
  const first = w.detach();
  w.write("second");
  const second = w.finish();
  assert.deepEqual(first, encodeMsgpack("first"));
  assert.deepEqual(second, encodeMsgpack("second"));
});
