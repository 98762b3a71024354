import assert from "node:assert/strict";
import { encodeMsgpack, MsgpackWriter } from "../../lib/codec/msgpack.ts";
import type { Node } from "../../lib/memberlist/node.ts";

/** What a push/pull record carries of a node. */
type PushedNode = Node & { incarnation: number };
import { readPushNodeState, writePushNodeState } from "../../lib/memberlist/push_state_codec.ts";
import { decodePushNodeState, encodePushNodeState } from "../../lib/memberlist/wire.ts";
import { DecodeError } from "../../lib/util/errors.ts";

/** A node record with the fields a push/pull record carries, varied by `i` across every width. */
function sampleNode(i: number): PushedNode {
  return {
    name: i % 11 === 0 ? `nöde-${i}` : `node-${i}-${"x".repeat(i % 45)}`,
    addr: i % 7 === 0
      ? new Uint8Array(0)
      : i % 5 === 0
      ? new Uint8Array(16).fill(i & 0xff)
      : new Uint8Array([10, 0, i >> 8 & 0xff, i & 0xff]),
    port: [0, 1, 127, 128, 255, 256, 7946, 65535][i % 8]!,
    meta: new Uint8Array([0, 5, 31, 32, 200, 70_000][i % 6]!).fill(i & 0xff),
    incarnation: [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1][(i >> 3) % 8]!,
    state: (i % 4) as Node["state"],
    pMin: 1,
    pMax: 5,
    pCur: 2,
    dMin: 2,
    dMax: 5,
    dCur: i % 6,
  };
}

function vsnOf(n: PushedNode): number[] {
  return [n.pMin, n.pMax, n.pCur, n.dMin, n.dMax, n.dCur];
}

Deno.test("writePushNodeState writes the bytes encodePushNodeState writes", () => {
  for (let i = 0; i < 400; i++) {
    const n = sampleNode(i);
    const writer = new MsgpackWriter();
    writePushNodeState(writer, n);
    assert.deepEqual(writer.finish(), encodePushNodeState({ ...n, vsn: vsnOf(n) }), `node ${i}`);
  }
});

Deno.test("writePushNodeState appends records back to back", () => {
  const writer = new MsgpackWriter();
  const expected: number[] = [];
  for (let i = 0; i < 20; i++) {
    writePushNodeState(writer, sampleNode(i));
    expected.push(...encodePushNodeState({ ...sampleNode(i), vsn: vsnOf(sampleNode(i)) }));
  }
  assert.deepEqual(writer.finish(), new Uint8Array(expected));
});

Deno.test("readPushNodeState reads what decodePushNodeState reads, at an offset", () => {
  for (let i = 0; i < 400; i++) {
    const n = sampleNode(i);
    const record = encodePushNodeState({ ...n, vsn: vsnOf(n) });
    const framed = new Uint8Array([0xc0, 0xc0, ...record, 0xc0]);
    assert.deepEqual(readPushNodeState(framed, 2, record.length), decodePushNodeState(record), `node ${i}`);
  }
});

Deno.test("readPushNodeState reads byte fields as views into the record it was given", () => {
  const record = encodePushNodeState({ ...sampleNode(1), vsn: vsnOf(sampleNode(1)) });
  const s = readPushNodeState(record, 0, record.length);
  assert.equal(s.addr.buffer, record.buffer);
  assert.deepEqual(s.addr, sampleNode(1).addr);
  assert.deepEqual(s.meta, sampleNode(1).meta);
});

Deno.test("readPushNodeState reads other shapes as the general decoder does", () => {
  const base = {
    Name: "a",
    Addr: new Uint8Array([127, 0, 0, 1]),
    Port: 7946,
    Meta: null,
    Incarnation: 3,
    State: 0,
  };
  const shapes: Record<string, unknown>[] = [
    { ...base, Vsn: new Uint8Array([1, 5, 2, 2, 5, 4]) }, // keys not sorted
    base, // no Vsn (an old peer)
    { ...base, Vsn: [1, 5, 2, 2, 5, 4] }, // Vsn as an array
    { ...base, Vsn: null, Extra: 1 }, // a key memberlist does not know
  ];
  for (const shape of shapes) {
    const bytes = encodeMsgpack(shape as never);
    assert.deepEqual(readPushNodeState(bytes, 0, bytes.length), decodePushNodeState(bytes));
  }
});

Deno.test("readPushNodeState refuses what decodePushNodeState refuses", () => {
  const sorted = (state: number, port: number) =>
    encodeMsgpack(
      new Map<string, unknown>([
        ["Addr", new Uint8Array([127, 0, 0, 1])],
        ["Incarnation", 1],
        ["Meta", null],
        ["Name", "a"],
        ["Port", port],
        ["State", state],
        ["Vsn", new Uint8Array([1, 5, 2, 2, 5, 4])],
      ]) as never,
    );
  for (const bytes of [sorted(4, 7946), sorted(0, 70_000), sorted(-1, 7946)]) {
    assert.throws(() => decodePushNodeState(bytes), DecodeError);
    assert.throws(() => readPushNodeState(bytes, 0, bytes.length), DecodeError);
  }
});
