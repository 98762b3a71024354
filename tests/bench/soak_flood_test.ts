import assert from "node:assert/strict";
import { parseFloodOptions } from "../../scripts/bench/flood.ts";
import { leastSquaresSlope } from "../../scripts/bench/stats.ts";
import { defaultSoakOptions, parseSoakOptions } from "../../scripts/soak.ts";

Deno.test("leastSquaresSlope fits the line through noisy points and refuses degenerate input", () => {
  assert.equal(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }]), 2);
  const saw = [0, 1, 2, 3, 4, 5].map((x) => ({ x, y: 10 + (x % 2 === 0 ? 1 : -1) }));
  assert.ok(Math.abs(leastSquaresSlope(saw)) < 0.5, "a flat saw-tooth has a slope near zero");
  assert.ok(Number.isNaN(leastSquaresSlope([{ x: 1, y: 1 }])));
  assert.ok(Number.isNaN(leastSquaresSlope([{ x: 1, y: 1 }, { x: 1, y: 2 }])));
});

Deno.test("parseSoakOptions: the issue's defaults, flags over them, unknown flags refused", () => {
  assert.deepEqual(parseSoakOptions([]), defaultSoakOptions());
  assert.deepEqual(defaultSoakOptions(), {
    minutes: 30,
    agents: 8,
    impl: "serfts",
    serfts: "binary",
    sampleSeconds: 10,
  });
  const o = parseSoakOptions(["--minutes=10", "--agents=3", "--impl=serf", "--json=/tmp/x.json"]);
  assert.deepEqual([o.minutes, o.agents, o.impl, o.json], [10, 3, "serf", "/tmp/x.json"]);
  assert.throws(() => parseSoakOptions(["--agents=1"]), TypeError);
  assert.throws(() => parseSoakOptions(["--bogus"]), /Cannot parse soak option '--bogus'/);
});

Deno.test("parseFloodOptions: 10,000 events/s for 40 s by default, both implementations", () => {
  assert.deepEqual(parseFloodOptions([]), { rate: 10_000, seconds: 40, impl: "both", serfts: "binary" });
  assert.equal(parseFloodOptions(["--rate=500"]).rate, 500);
  assert.throws(() => parseFloodOptions(["--impl=go"]), /Usage: /);
});
