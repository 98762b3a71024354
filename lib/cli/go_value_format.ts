/**
 * Renders an RPC event record the way `serf monitor` prints it: the Go client
 * decodes each record into a `map[string]interface{}` and prints every entry
 * with `%#v`. That output depends on msgpack types Go keeps and JavaScript
 * loses (a fixint decodes to `int64` and prints `5`, a uint8+ form decodes to
 * `uint64` and prints `0x1f0a`; nested maps are `map[interface {}]interface {}`),
 * so this walks the raw record bytes instead of a decoded object.
 *
 * @module
 */
import { decodeMsgpack } from "../codec/msgpack.ts";
import { goQuote } from "../util/go_quote.ts";
import { compareBytes } from "./output.ts";

/** A msgpack value with the Go type go-msgpack would give it when decoding into `interface{}`. */
type GoValue =
  | { t: "nil" }
  | { t: "bool"; v: boolean }
  | { t: "int" | "uint"; v: bigint }
  | { t: "float"; v: number }
  | { t: "string"; v: string }
  | { t: "bytes"; v: Uint8Array }
  | { t: "array"; v: GoValue[] }
  | { t: "map"; v: [GoValue, GoValue][] };

const utf8 = new TextDecoder();

/** Reads one value at `pos`; the record was already validated by the client's decoder. */
function read(buf: Uint8Array, pos: { i: number }): GoValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b = buf[pos.i++]!;
  const take = (n: number) => buf.subarray(pos.i, pos.i += n);
  const u = (n: 1 | 2 | 4 | 8): bigint => {
    const at = pos.i;
    pos.i += n;
    if (n === 1) return BigInt(view.getUint8(at));
    if (n === 2) return BigInt(view.getUint16(at));
    if (n === 4) return BigInt(view.getUint32(at));
    return view.getBigUint64(at);
  };
  const items = (n: number): GoValue[] => Array.from({ length: n }, () => read(buf, pos));
  const pairs = (n: number): [GoValue, GoValue][] =>
    Array.from({ length: n }, () => [read(buf, pos), read(buf, pos)]);
  if (b <= 0x7f) return { t: "int", v: BigInt(b) };
  if (b >= 0xe0) return { t: "int", v: BigInt(b - 0x100) };
  if ((b & 0xe0) === 0xa0) return { t: "string", v: utf8.decode(take(b & 0x1f)) };
  if ((b & 0xf0) === 0x90) return { t: "array", v: items(b & 0x0f) };
  if ((b & 0xf0) === 0x80) return { t: "map", v: pairs(b & 0x0f) };
  switch (b) {
    case 0xc0:
      return { t: "nil" };
    case 0xc2:
    case 0xc3:
      return { t: "bool", v: b === 0xc3 };
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return { t: "bytes", v: take(Number(u(b === 0xc4 ? 1 : b === 0xc5 ? 2 : 4))) };
    case 0xca:
      pos.i += 4;
      return { t: "float", v: view.getFloat32(pos.i - 4) };
    case 0xcb:
      pos.i += 8;
      return { t: "float", v: view.getFloat64(pos.i - 8) };
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      return { t: "uint", v: u((1 << (b - 0xcc)) as 1 | 2 | 4 | 8) };
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const n = (1 << (b - 0xd0)) as 1 | 2 | 4 | 8;
      return { t: "int", v: BigInt.asIntN(n * 8, u(n)) };
    }
    case 0xd9:
    case 0xda:
    case 0xdb:
      return { t: "string", v: utf8.decode(take(Number(u(b === 0xd9 ? 1 : b === 0xda ? 2 : 4)))) };
    case 0xdc:
    case 0xdd:
      return { t: "array", v: items(Number(u(b === 0xdc ? 2 : 4))) };
    case 0xde:
    case 0xdf:
      return { t: "map", v: pairs(Number(u(b === 0xde ? 2 : 4))) };
  }
  throw new RangeError(`Cannot format msgpack type 0x${b.toString(16)}`);
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => `0x${x.toString(16)}`).join(", ");
}

/** Go's `%#v` of a value held in an interface; `nested` switches to the forms used inside containers. */
function goSharpV(v: GoValue, nested: boolean): string {
  switch (v.t) {
    case "nil":
      return nested ? "interface {}(nil)" : "<nil>";
    case "bool":
      return String(v.v);
    case "int":
      return v.v.toString();
    case "uint":
      return `0x${v.v.toString(16)}`;
    case "float":
      return String(v.v);
    case "string":
      return goQuote(v.v);
    case "bytes":
      return `${nested ? "[]uint8" : "[]byte"}{${hexBytes(v.v)}}`;
    case "array":
      return `[]interface {}{${v.v.map((x) => goSharpV(x, true)).join(", ")}}`;
    case "map": {
      const entries = [...v.v].sort(([a], [b]) => compareBytes(keyText(a), keyText(b)));
      return `map[interface {}]interface {}{${
        entries.map(([k, x]) => `${goSharpV(k, true)}:${goSharpV(x, true)}`).join(", ")
      }}`;
    }
  }
}

function keyText(v: GoValue): string {
  return v.t === "string" ? v.v : goSharpV(v, true);
}

/**
 * The lines `serf monitor` prints for one event record: `\t<key>: <%#v of value>`,
 * keys sorted (Go's map order is random; sorting makes ours stable).
 */
export function goEventInfoLines(raw: Uint8Array): string[] {
  decodeMsgpack(raw); // validates bounds before the unchecked walk below
  const top = read(raw, { i: 0 });
  if (top.t !== "map") return [];
  return [...top.v]
    .sort(([a], [b]) => compareBytes(keyText(a), keyText(b)))
    .map(([k, v]) => `\t${keyText(k)}: ${goSharpV(v, false)}`);
}
