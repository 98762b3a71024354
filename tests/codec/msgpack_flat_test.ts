import assert from "node:assert/strict";
import { decodeMsgpack, encodeMsgpack, goStruct, type MsgpackEncodable } from "../../lib/codec/msgpack.ts";
import { decodeFlatMap } from "../../lib/codec/msgpack_flat.ts";
import { SeededRandom } from "../../lib/util/random.ts";

const LIMIT = 1 << 20;

function same(bytes: Uint8Array): void {
  const flat = decodeFlatMap(bytes, LIMIT);
  if (flat !== undefined) assert.deepEqual(flat, decodeMsgpack(bytes), `bytes ${[...bytes]}`);
}

Deno.test("decodeFlatMap decodes RPC headers and event bodies as the general decoder does", () => {
  const cases: MsgpackEncodable[] = [
    goStruct({ Command: "event", Seq: 1 }),
    goStruct({ Command: "members", Seq: 0xffffffff }),
    goStruct({ Name: "deploy", Payload: new TextEncoder().encode("v1"), Coalesce: true }),
    goStruct({ Name: "x".repeat(40), Payload: new Uint8Array(300), Coalesce: false }),
    goStruct({ A: -1, B: -33, C: -200, D: -40000, E: -2_000_000_000, F: 200, G: 70000, H: null }),
    goStruct({ Version: 1 }),
    {},
  ];
  for (const value of cases) {
    for (const newSpec of [false, true]) {
      const bytes = encodeMsgpack(value, { newSpec });
      assert.notEqual(decodeFlatMap(bytes, LIMIT), undefined, `fast path taken for ${[...bytes]}`);
      same(bytes);
    }
  }
});

Deno.test("decodeFlatMap declines what it does not handle, leaving it to the general decoder", () => {
  const declined: MsgpackEncodable[] = [
    [1, 2],
    7,
    goStruct({ Tags: { a: "b" } }),
    goStruct({ List: ["a"] }),
    goStruct({ Big: 2n ** 40n }),
    new Map([[1, "numeric key"]]),
    new Map([["ключ", 1]]),
  ];
  for (const value of declined) {
    assert.equal(decodeFlatMap(encodeMsgpack(value, { newSpec: true }), LIMIT), undefined);
  }
  const bytes = encodeMsgpack(goStruct({ Payload: new Uint8Array(10) }), { newSpec: true });
  assert.equal(decodeFlatMap(bytes, 5), undefined, "over the length limit");
  assert.equal(decodeFlatMap(bytes.subarray(0, bytes.length - 1), LIMIT), undefined, "truncated");
  assert.equal(decodeFlatMap(new Uint8Array([...bytes, 0]), LIMIT), undefined, "trailing byte");
});

Deno.test("decodeFlatMap keeps a __proto__ key as an own property, not the prototype (found by fuzzing)", () => {
  const map = decodeFlatMap(encodeMsgpack(new Map([["__proto__", 1], ["a", 2]]), { newSpec: true }), LIMIT);
  assert.ok(map !== undefined);
  assert.equal(Object.getPrototypeOf(map), Object.prototype);
  assert.deepEqual(Object.entries(map), [["__proto__", 1], ["a", 2]]);
});

Deno.test("decodeFlatMap agrees with the general decoder on random small maps", () => {
  const rng = new SeededRandom(8);
  const int = (n: number) => Math.floor(rng.next() * n);
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(1 + int(24)).map(() => int(256));
    bytes[0] = 0x80 | int(4);
    let decoded: unknown;
    try {
      decoded = decodeMsgpack(bytes);
    } catch {
      decoded = undefined;
    }
    const flat = decodeFlatMap(bytes, LIMIT);
    if (flat !== undefined) assert.deepEqual(flat, decoded, `bytes ${[...bytes]}`);
  }
});
