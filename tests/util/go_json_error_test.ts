/**
 * goJsonSyntaxError against messages recorded from Serf 0.9.4 (Go's
 * encoding/json) for the same bytes: `serf agent -config-file` (a Decoder)
 * and `-keyring-file` (Unmarshal).
 */
import assert from "node:assert/strict";
import { goJsonFirstValue, goJsonSyntaxError } from "../../lib/util/go_json_error.ts";

const RECORDED: [string, string][] = [
  ["not json", "invalid character 'o' in literal null (expecting 'u')"],
  ['{"node_name": }', "invalid character '}' looking for beginning of value"],
  ['{"node_name": "x",}', "invalid character '}' looking for beginning of object key string"],
  ['{"node_name" "x"}', "invalid character '\"' after object key"],
  ["[1 2]", "invalid character '2' after array element"],
  ['{"a": tru}', "invalid character '}' in literal true (expecting 'e')"],
  ['{"a": nul}', "invalid character '}' in literal null (expecting 'l')"],
  ['{"a": fals}', "invalid character '}' in literal false (expecting 'e')"],
  ['{"a": 01}', "invalid character '1' after object key:value pair"],
  ['{"a": 1.}', "invalid character '}' after decimal point in numeric literal"],
  ['{"a": 1e}', "invalid character '}' in exponent of numeric literal"],
  ['{"a": -}', "invalid character '}' in numeric literal"],
  ['{"a": "x\\q"}', "invalid character 'q' in string escape code"],
  ['{"a": "\\u12G4"}', "invalid character 'G' in \\u hexadecimal character escape"],
  ["{'a': 1}", "invalid character '\\'' looking for beginning of object key string"],
  ['{"a": [1,]}', "invalid character ']' looking for beginning of value"],
  ['{"a": "x\ty"}', "invalid character '\\t' in string literal"],
];

Deno.test("goJsonSyntaxError gives Go's message for each malformed text, in both modes", () => {
  for (const [text, message] of RECORDED) {
    assert.equal(goJsonSyntaxError(text, "decoder"), message, text);
    assert.equal(goJsonSyntaxError(text, "unmarshal"), message, text);
  }
});

Deno.test("goJsonSyntaxError: the end of input and text after the value differ between Decoder and Unmarshal", () => {
  assert.equal(goJsonSyntaxError('{"a": "x"', "decoder"), "unexpected EOF");
  assert.equal(goJsonSyntaxError('{"a": "x"', "unmarshal"), "unexpected end of JSON input");
  assert.equal(goJsonSyntaxError("  ", "decoder"), "EOF");
  assert.equal(goJsonSyntaxError("  ", "unmarshal"), "unexpected end of JSON input");
  assert.equal(goJsonSyntaxError('{"a": 1}}', "unmarshal"), "invalid character '}' after top-level value");
  assert.equal(goJsonSyntaxError('{"a": 1}}', "decoder"), undefined);
  assert.equal(goJsonFirstValue('{"a": 1}} x'), '{"a": 1}');
});

Deno.test("goJsonSyntaxError accepts what Go accepts", () => {
  for (const text of ['{"a": [1, -2.5e+3, true, false, null, "\\u00e9"]}', "123", '"s"', " [] ", "{}"]) {
    assert.equal(goJsonSyntaxError(text, "unmarshal"), undefined, text);
  }
});
