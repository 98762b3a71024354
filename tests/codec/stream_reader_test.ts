import assert from "node:assert/strict";
import { encodeMsgpack, goStruct } from "../../lib/codec/msgpack.ts";
import { MsgpackScanner } from "../../lib/codec/msgpack_scan.ts";
import { type ByteSource, msgpackObjectLength, StreamReader } from "../../lib/codec/stream_reader.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { DecodeError, TimeoutError } from "../../lib/util/errors.ts";
import { fromHex, loadVectors } from "./_golden.ts";

/** A source that hands out `bytes` in chunks of the given sizes (cycling), then EOF. */
function chunked(bytes: Uint8Array, sizes: number[]): ByteSource & { reads: number } {
  let pos = 0;
  let i = 0;
  const source = {
    reads: 0,
    read(): Promise<Uint8Array | null> {
      source.reads++;
      if (pos >= bytes.length) return Promise.resolve(null);
      const n = sizes[i++ % sizes.length]!;
      const chunk = bytes.slice(pos, pos + n);
      pos += n;
      return Promise.resolve(chunk);
    },
  };
  return source;
}

/** A source whose chunks are pushed by the test. */
function manual(): ByteSource & { push(chunk: Uint8Array | null): void } {
  const queue: (Uint8Array | null)[] = [];
  let waiting: ((c: Uint8Array | null) => void) | null = null;
  return {
    read() {
      if (queue.length > 0) return Promise.resolve(queue.shift()!);
      return new Promise((resolve) => (waiting = resolve));
    },
    push(chunk) {
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(chunk);
      } else queue.push(chunk);
    },
  };
}

const pushPullStream = loadVectors("memberlist.json").find((v) => v.name === "push_pull_stream")!;

Deno.test("msgpackObjectLength measures complete objects and reports -1 for incomplete ones", () => {
  assert.equal(msgpackObjectLength(fromHex("92 01 a1 78 ff".replaceAll(" ", ""))), 4);
  assert.equal(msgpackObjectLength(fromHex("9201")), -1);
  assert.equal(msgpackObjectLength(fromHex("80")), 1);
  assert.equal(msgpackObjectLength(fromHex("00dc0000"), 1), 3);
  assert.equal(msgpackObjectLength(fromHex("c7020501")), -1);
  assert.equal(msgpackObjectLength(fromHex("c702050102")), 5);
  assert.throws(() => msgpackObjectLength(fromHex("c1")), DecodeError);
  assert.throws(() => msgpackObjectLength(new Uint8Array(10).fill(0x91), 0, 5), /nesting deeper than 5/);
});

Deno.test("MsgpackScanner resumes where it stopped as the buffer grows", () => {
  const whole = encodeMsgpack(
    goStruct({ Name: "x".repeat(300), Vsn: new Uint8Array(6), List: [1, [2, [3]]] }),
  );
  const scanner = new MsgpackScanner();
  for (let n = 0; n < whole.length; n++) assert.equal(scanner.scan(whole.subarray(0, n)), -1, `prefix ${n}`);
  assert.equal(scanner.scan(whole), whole.length);
});

Deno.test("StreamReader reads a push/pull stream delivered one byte at a time", async () => {
  const bytes = fromHex(pushPullStream.hex);
  const reader = new StreamReader(chunked(bytes, [1]));
  assert.equal(await reader.readByte(), 6);
  const header = await reader.readMsgpack() as Record<string, unknown>;
  assert.equal(header.Nodes, 2);
  const first = await reader.readMsgpackBytes();
  const second = await reader.readMsgpackBytes();
  assert.ok(first.length > 10 && second.length > 10);
  const user = await reader.readExact(header.UserStateLen as number);
  assert.equal(new TextDecoder().decode(user), "serf user state bytes");
  assert.equal(reader.bytesRead, bytes.length);
  assert.equal(await reader.peekByte(), null);
});

Deno.test("StreamReader handles objects split over uneven chunks and several objects per chunk", async () => {
  const objects = [1, "two", new Uint8Array(70_000), goStruct({ A: [1, 2, 3], B: null })];
  const bytes = new Uint8Array(objects.map((o) => encodeMsgpack(o)).flatMap((b) => [...b]));
  for (const sizes of [[3], [7, 1, 4096], [bytes.length]]) {
    const reader = new StreamReader(chunked(bytes, sizes));
    for (const o of objects) assert.deepEqual(await reader.readMsgpackBytes(), encodeMsgpack(o));
    assert.equal(reader.buffered, 0);
  }
});

Deno.test("StreamReader throws DecodeError when the stream ends mid-object or mid-read", async () => {
  const half = encodeMsgpack("a long enough string").subarray(0, 8);
  await assert.rejects(
    new StreamReader(chunked(half, [3])).readMsgpackBytes(),
    /ended inside a msgpack object/,
  );
  await assert.rejects(
    new StreamReader(chunked(new Uint8Array(0), [1])).readMsgpack(),
    /ended where a msgpack/,
  );
  await assert.rejects(new StreamReader(chunked(new Uint8Array(3), [1])).readExact(4), DecodeError);
  await assert.rejects(new StreamReader(chunked(new Uint8Array(0), [1])).readByte(), DecodeError);
  await assert.rejects(new StreamReader(chunked(fromHex("c1"), [1])).readMsgpackBytes(), DecodeError);
});

Deno.test("StreamReader enforces its byte cap and object size limit", async () => {
  const big = new Uint8Array(10_000);
  await assert.rejects(
    new StreamReader(chunked(big, [1000]), { maxBytes: 5000 }).readExact(6000),
    /exceed the limit/,
  );
  const reader = new StreamReader(chunked(big, [1000]), { maxBytes: 5000 });
  await reader.readExact(4000);
  await reader.readExact(1000);
  await assert.rejects(reader.readByte(), /peer sent more than 5000 bytes/);
  const endless = fromHex("dd00ffffff" + "00".repeat(5000));
  await assert.rejects(
    new StreamReader(chunked(endless, [512]), { maxObjectBytes: 2048 }).readMsgpackBytes(),
    /longer than 2048 bytes/,
  );
});

Deno.test("StreamReader times out on the injected clock and keeps the late chunk for the next read", async () => {
  const clock = new VirtualClock();
  const source = manual();
  const reader = new StreamReader(source, { clock });
  const pending = reader.readExact(2, { timeoutMs: 1000 });
  const outcome = assert.rejects(pending, TimeoutError);
  await clock.advance(1000);
  await outcome;
  source.push(new Uint8Array([1, 2]));
  assert.deepEqual(await reader.readExact(2, { timeoutMs: 1000 }), new Uint8Array([1, 2]));
  assert.equal(clock.pending, 0);
});

Deno.test("StreamReader honours an absolute deadline from its options", async () => {
  const clock = new VirtualClock();
  const source = manual();
  const reader = new StreamReader(source, { clock, deadline: clock.now() + 500 });
  const outcome = assert.rejects(reader.readMsgpack(), /deadline exceeded/);
  await clock.advance(600);
  await outcome;
  await assert.rejects(reader.readByte(), TimeoutError);
  reader.setDeadline(undefined);
  source.push(new Uint8Array([7]));
  assert.equal(await reader.readByte(), 7);
});

Deno.test("StreamReader.fromBytes reads from memory", async () => {
  const reader = StreamReader.fromBytes(new Uint8Array([6, 0x81, 0xa1, 0x41, 0x01, 9]));
  assert.equal(await reader.readByte(), 6);
  assert.deepEqual(await reader.readMsgpack(), { A: 1 });
  assert.equal(await reader.peekByte(), 9);
  assert.equal(await reader.readByte(), 9);
  await assert.rejects(reader.readExact(1), DecodeError);
  await assert.rejects(reader.readExact(-1), RangeError);
});
