/** Serf-compatible formatting helpers: columnize, Go JSON, Go number and value printing. */
import assert from "node:assert/strict";
import { goEventInfoLines } from "../../lib/cli/go_value_format.ts";
import { columnize, compareBytes, formatOutput, goFixed, goJson } from "../../lib/cli/output.ts";
import { goQuote } from "../../lib/util/go_quote.ts";
import { formatRttMs } from "../../lib/cli/rtt_command.ts";
import { statsText } from "../../lib/cli/info_command.ts";
import { goStruct } from "../../lib/codec/msgpack.ts";
import { encodeRpcFrame } from "../../lib/rpc/protocol.ts";

Deno.test("columnize pads by code points, trims cells and leaves the last column unpadded", () => {
  assert.equal(columnize(["é|x|1", "ab c | y |2"]), "é     x  1\nab c  y  2");
  assert.equal(columnize(["a|b", "c"]), "a  b\nc");
  assert.equal(columnize([]), "");
});

Deno.test("goJson indents like MarshalIndent and escapes HTML characters like Go", () => {
  assert.equal(
    goJson({ a: "<b>&", n: null, e: {} }),
    '{\n  "a": "\\u003cb\\u003e\\u0026",\n  "n": null,\n  "e": {}\n}',
  );
  assert.throws(() => formatOutput("yaml", () => 1, () => ""), { message: 'Invalid output format "yaml"' });
  assert.equal(formatOutput("text", () => 1, () => "  x\n\n"), "x");
});

Deno.test("goFixed rounds exact ties to even like Go's %f", () => {
  assert.equal(goFixed(1.0625, 3), "1.062");
  assert.equal(goFixed(1.0635, 3), (1.0635).toFixed(3));
  assert.equal(goFixed(0.125, 2), "0.12");
  assert.equal(goFixed(0.375, 2), "0.38");
  assert.equal(goFixed(2.5, 0), "2");
  assert.equal(goFixed(3.14159, 2), "3.14");
});

Deno.test("formatRttMs truncates to nanoseconds first, as a Go Duration does", () => {
  assert.equal(formatRttMs(0.0010914999), "1.091 ms");
  assert.equal(formatRttMs(0.000390), "0.390 ms");
});

Deno.test("goQuote and compareBytes follow Go's %q and string order", () => {
  assert.equal(goQuote('a"b\\c\n\x01'), '"a\\"b\\\\c\\n\\x01"');
  assert.deepEqual(["b", "é", "a", "Z"].sort(compareBytes), ["Z", "a", "b", "é"]);
});

Deno.test("statsText prints sorted sections and keys like serf info", () => {
  assert.equal(
    statsText({ serf: { b: "2", a: "1" }, agent: { name: "x" } }),
    "agent:\n\tname = x\nserf:\n\ta = 1\n\tb = 2\n",
  );
});

Deno.test("goEventInfoLines prints values as Go's %#v of a naked msgpack decode", () => {
  const raw = encodeRpcFrame(goStruct({
    Event: "member-join",
    LTime: 300,
    Payload: new Uint8Array([0x70]),
    Missing: null,
    Members: [
      goStruct({ Addr: new Uint8Array([127, 0, 0, 1]), Port: 7946, Tags: { role: "web" }, Cur: 5, X: null }),
    ],
  }));
  assert.deepEqual(goEventInfoLines(raw), [
    '\tEvent: "member-join"',
    "\tLTime: 0x12c",
    '\tMembers: []interface {}{map[interface {}]interface {}{"Addr":[]uint8{0x7f, 0x0, 0x0, 0x1}, "Cur":5, "Port":0x1f0a, "Tags":map[interface {}]interface {}{"role":"web"}, "X":interface {}(nil)}}',
    "\tMissing: <nil>",
    "\tPayload: []byte{0x70}",
  ]);
});
