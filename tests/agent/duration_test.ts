import assert from "node:assert/strict";
import { formatGoDuration, parseGoDuration } from "../../lib/util/duration.ts";

Deno.test("parseGoDuration reads Go duration strings into milliseconds", () => {
  const cases: [string, number][] = [
    ["30s", 30_000],
    ["1h2m", 3_720_000],
    ["1.5ms", 1.5],
    ["0", 0],
    ["-1s", -1_000],
    ["+2m", 120_000],
    [".5s", 500],
    ["5.s", 5_000],
    ["1µs", 0.001],
    ["1μs", 0.001],
    ["1us", 0.001],
    ["100ns", 0.0001],
    ["1h1m1s1ms", 3_661_001],
    ["0s", 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});

Deno.test("parseGoDuration rejects bad durations with Go's messages", () => {
  const cases: [string, string][] = [
    ["xx", 'time: invalid duration "xx"'],
    ["", 'time: invalid duration ""'],
    ["10", 'time: missing unit in duration "10"'],
    ["10x", 'time: unknown unit "x" in duration "10x"'],
    ["1.5.5s", 'time: missing unit in duration "1.5.5s"'],
    ["s", 'time: invalid duration "s"'],
    ["-", 'time: invalid duration "-"'],
    ["9999999999h", 'time: invalid duration "9999999999h"'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseGoDuration(text), { name: "SyntaxError", message }, text);
  }
});

Deno.test("formatGoDuration prints durations as Go's Duration.String", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1_000, "1s"],
    [30_000, "30s"],
    [90_000, "1m30s"],
    [60_000, "1m0s"],
    [3_600_000, "1h0m0s"],
    [3_661_500, "1h1m1.5s"],
    [1.5, "1.5ms"],
    [0.5, "500µs"],
    [0.0001, "100ns"],
    [-2_000, "-2s"],
  ];
  for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
});
