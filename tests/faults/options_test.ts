import assert from "node:assert/strict";
import { parseLabOptions } from "../../scripts/faults/options.ts";

Deno.test("parseLabOptions: a plain run is the full lab and writes the doc", () => {
  assert.deepEqual(parseLabOptions([]), { quick: false, only: undefined, json: false, writeDoc: true });
});

Deno.test("parseLabOptions: --quick, --only and --no-doc never write the doc", () => {
  assert.equal(parseLabOptions(["--quick"]).writeDoc, false);
  assert.deepEqual(parseLabOptions(["--only", "2,4"]).only, [2, 4]);
  assert.deepEqual(parseLabOptions(["--only=7", "--json"]), {
    quick: false,
    only: [7],
    json: true,
    writeDoc: false,
  });
  assert.equal(parseLabOptions(["--no-doc"]).writeDoc, false);
});

Deno.test("parseLabOptions refuses unknown flags and scenario numbers outside 1-7", () => {
  assert.throws(() => parseLabOptions(["--fast"]), /Unknown option: --fast/);
  assert.throws(() => parseLabOptions(["--only", "8"]), /scenario numbers 1-7/);
  assert.throws(() => parseLabOptions(["--only"]), /Cannot parse --only/);
});
