import assert from "node:assert/strict";
import { parseOptions } from "../../scripts/bench/options.ts";

Deno.test("parseOptions: --quick is one round of 3-agent clusters written to a temporary report", () => {
  const c = parseOptions(["--quick"], "/repo/");
  assert.equal(c.rounds, 1);
  assert.deepEqual(c.sizes, [3]);
  assert.doesNotMatch(c.out, /^\/repo\//);
});

Deno.test("parseOptions: the default writes docs/benchmarks.md for 8, 16 and 32 agents; flags override", () => {
  assert.equal(parseOptions([], "/repo/").out, "/repo/docs/benchmarks.md");
  assert.deepEqual(parseOptions([], "/repo/").sizes, [8, 16, 32]);
  const c = parseOptions(["--sizes=4,6", "--rounds=2", "--serfts=deno", "--idle=5"], "/repo/");
  assert.deepEqual([c.sizes, c.rounds, c.serfts, c.idleMs], [[4, 6], 2, "deno", 5000]);
});

Deno.test("parseOptions: rejects unknown flags and bad values", () => {
  assert.throws(() => parseOptions(["--nope"], "/"), TypeError);
  assert.throws(() => parseOptions(["--rounds=0"], "/"), /must be a positive integer/);
  assert.throws(() => parseOptions(["--serfts=node"], "/"), TypeError);
});
