import assert from "node:assert/strict";
import { ExtData } from "@msgpack/msgpack";
import {
  asBool,
  asBytes,
  asInt,
  asString,
  asStruct,
  asUint,
  asUint8Slice,
  decodeGeneric,
  decodeMsgpack,
  decodeMsgpackPrefix,
  encodeMsgpack,
  f32,
  f64,
  goStruct,
  type MsgpackEncodable,
  MsgpackWriter,
} from "../../lib/codec/msgpack.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { fromHex, type GoldenVector, loadVectors, toHex } from "./_golden.ts";

const vectors = loadVectors("msgpack.json");

/** The JavaScript value that should encode to a vector's bytes. */
function encodable(v: GoldenVector): MsgpackEncodable {
  switch (v.kind) {
    case "int":
    case "uint": {
      const big = BigInt(v.value as string);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    case "float64":
      return f64(v.value as number);
    case "float32":
      return f32(v.value as number);
    case "bytes":
      return fromHex(v.value as string);
    case "bool":
    case "nil":
    case "string":
    case "strings":
    case "ints":
      return v.value as MsgpackEncodable;
  }
  throw new Error(`unknown vector kind ${v.kind}`);
}

Deno.test("encodeMsgpack writes the same bytes as go-msgpack for every msgpack vector", () => {
  assert.ok(vectors.length > 30);
  for (const v of vectors) {
    assert.equal(toHex(encodeMsgpack(encodable(v))), v.hex, v.name);
  }
});

Deno.test("decodeMsgpack reads every msgpack vector back to its value", () => {
  for (const v of vectors) {
    const decoded = decodeMsgpack(fromHex(v.hex));
    switch (v.kind) {
      case "int":
      case "uint":
        assert.equal(String(decoded), v.value, v.name);
        break;
      case "bytes":
        assert.equal(toHex(decoded as Uint8Array), v.value, v.name);
        break;
      default:
        assert.deepEqual(decodeGeneric(fromHex(v.hex)), v.value, v.name);
    }
  }
});

Deno.test("encodeMsgpack chooses Go's integer forms at every boundary", () => {
  const cases: [number | bigint, string][] = [
    [-0, "00"],
    [127, "7f"],
    [128, "cc80"],
    [-32, "e0"],
    [-33, "d0df"],
    [2 ** 53 + 2, "cf0020000000000002"],
    [-(2n ** 63n), "d38000000000000000"],
    [2n ** 64n - 1n, "cfffffffffffffffff"],
  ];
  for (const [value, hex] of cases) assert.equal(toHex(encodeMsgpack(value)), hex, String(value));
  assert.equal(toHex(encodeMsgpack(1.5)), "cb3ff8000000000000");
  assert.throws(() => encodeMsgpack(2n ** 64n), TypeError);
});

Deno.test("goStruct sorts fields like go-msgpack and leaves out undefined ones", () => {
  const s = goStruct({ SeqNo: 1, Node: "a", SourceAddr: undefined, Zeta: null, Alpha: true });
  assert.deepEqual([...s.keys()], ["Alpha", "Node", "SeqNo", "Zeta"]);
  assert.equal(toHex(encodeMsgpack(s)), "84a5416c706861c3a44e6f6465a161a55365714e6f01a45a657461c0");
});

Deno.test("encodeMsgpack keeps insertion order of plain objects and Maps", () => {
  assert.equal(toHex(encodeMsgpack({ b: 1, a: 2 })), "82a16201a16102");
  assert.equal(
    toHex(encodeMsgpack(new Map<string | number, MsgpackEncodable>([[2, "x"], ["k", null]]))),
    "8202a178a16bc0",
  );
});

Deno.test("encodeMsgpack refuses values with no msgpack form", () => {
  assert.throws(() => encodeMsgpack(new Date() as unknown as MsgpackEncodable), TypeError);
  const cyclic: MsgpackEncodable[] = [];
  cyclic.push(cyclic);
  assert.throws(() => encodeMsgpack(cyclic), TypeError);
});

Deno.test("MsgpackWriter appends objects and raw bytes back to back", () => {
  const bytes = new MsgpackWriter().writeRaw(new Uint8Array([6])).write(1).write("a").finish();
  assert.equal(toHex(bytes), "0601a161");
});

Deno.test("decodeMsgpackPrefix ignores trailing bytes; decodeMsgpack refuses them", () => {
  const buf = fromHex("81a141 07 ffff".replaceAll(" ", ""));
  assert.deepEqual(decodeMsgpackPrefix(buf), { value: { A: 7 }, length: 4 });
  assert.throws(() => decodeMsgpack(buf), DecodeError);
});

Deno.test("decodeMsgpack keeps raw values as bytes, extensions as ExtData and big ints as bigint", () => {
  const value = decodeMsgpack(fromHex("93a3616263d6ff00000001cfffffffffffffffff")) as unknown[];
  assert.deepEqual(value[0], new Uint8Array([0x61, 0x62, 0x63]));
  assert.ok(value[1] instanceof ExtData);
  assert.equal(value[2], 2n ** 64n - 1n);
});

Deno.test("decodeMsgpack refuses declared lengths the input cannot back, without allocating", () => {
  for (const hex of ["ddffffffff", "dbffffffff", "dfffffffff", "c6ffffffff", "c9ffffffff01"]) {
    assert.throws(() => decodeMsgpack(fromHex(hex)), DecodeError, hex);
  }
  assert.throws(() => decodeMsgpack(fromHex("c1")), DecodeError);
  assert.throws(() => decodeMsgpack(new Uint8Array(0)), DecodeError);
  assert.throws(() => decodeMsgpack(new Uint8Array(100).fill(0x91)), /nesting/);
  assert.throws(() => decodeMsgpack(fromHex("a5" + "00".repeat(5)), { maxLength: 4 }), DecodeError);
  assert.throws(() => decodeMsgpack(fromHex("81c4016100")), DecodeError, "bin map keys are refused");
});

Deno.test("decodeGeneric turns UTF-8 raws into strings and keeps other bytes", () => {
  assert.deepEqual(decodeGeneric(fromHex("82a46e616d65a3616263a3626164a2ff00")), {
    name: "abc",
    bad: new Uint8Array([0xff, 0x00]),
  });
});

Deno.test("schema helpers apply Go's zero values for nil and missing fields", () => {
  const s = asStruct(decodeMsgpack(fromHex("82a141c0a142c0")), "test");
  assert.equal(asString(s.A, "A"), "");
  assert.deepEqual(asBytes(s.B, "B"), new Uint8Array(0));
  assert.equal(asUint(s.Missing, "Missing"), 0);
  assert.equal(asBool(undefined, "X"), false);
  assert.deepEqual(asUint8Slice(null, "Vsn"), []);
  assert.deepEqual(asStruct(null, "nil struct"), {});
});

Deno.test("schema helpers accept every integer width that fits and name the field when not", () => {
  assert.equal(asUint(255, "Port", 0xffff), 255);
  assert.equal(asUint(4294967295n, "Incarnation"), 4294967295);
  assert.equal(asInt(-5, "Delta", -10, 10), -5);
  assert.throws(() => asUint(65536, "Port", 0xffff), /'Port'/);
  assert.throws(() => asUint(-1, "SeqNo"), DecodeError);
  assert.throws(() => asUint(1.5, "SeqNo"), DecodeError);
  assert.throws(() => asUint(2n ** 40n, "SeqNo"), DecodeError);
  assert.throws(() => asUint(new Uint8Array(1), "SeqNo"), /expected an integer, got raw of 1 bytes/);
});

Deno.test("schema helpers follow go-msgpack's lenient cases", () => {
  assert.equal(asBool(1, "Nack"), true);
  assert.equal(asBool(0, "Nack"), false);
  assert.throws(() => asBool(2, "Nack"), DecodeError);
  assert.deepEqual(asUint8Slice(new Uint8Array([1, 5, 2]), "Vsn"), [1, 5, 2]);
  assert.deepEqual(asUint8Slice([1, 5, 2], "Vsn"), [1, 5, 2]);
  assert.throws(() => asUint8Slice([256], "Vsn"), /'Vsn\[0\]'/);
  assert.equal(asString(new Uint8Array([0x61, 0xff]), "Node"), "a\ufffd");
  assert.throws(() => asString(7, "Node"), DecodeError);
  assert.throws(() => asStruct([1], "ping"), /Cannot decode ping: expected a map/);
});

Deno.test("asBytes returns a copy the caller owns", () => {
  const source = new Uint8Array([1, 2, 3]);
  const copy = asBytes(source, "Meta");
  source[0] = 9;
  assert.deepEqual(copy, new Uint8Array([1, 2, 3]));
});
