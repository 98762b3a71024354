import assert from "node:assert/strict";
import { defaultSimulateOptions, parseSimulateOptions } from "../../scripts/simulate/options.ts";
import { dissemination, summaryJson } from "../../scripts/simulate/report.ts";
import { simulate } from "../../scripts/simulate/scenario.ts";

Deno.test("simulate: 100 nodes converge, detect the killed node and deliver the event, with no false failures", async () => {
  const result = await simulate({ ...defaultSimulateOptions(), nodes: 100, seconds: 25, seed: 3 });
  const s = summaryJson(result);
  assert.equal(s.nodes, 100);
  assert.equal(s.simulated_s, 25);
  assert.ok(
    typeof s.join_converged_s === "number" && s.join_converged_s >= result.timeline.joinWindowS,
    `${s.join_converged_s}`,
  );
  assert.ok(s.join_converged_s < result.timeline.killS, `converged at ${s.join_converged_s} s`);
  assert.ok(typeof s.failure_detected_s === "number" && s.failure_detected_s > 0, `${s.failure_detected_s}`);
  assert.ok(typeof s.event_reached_s === "number" && s.event_reached_s < 5, `${s.event_reached_s}`);
  assert.equal(s.false_failures, 0);
  assert.ok((s.bytes_per_node_per_s as number) > 0);
  const last = result.samples.at(-1)!;
  assert.deepEqual([last.known, last.failed, last.event], [1, 1, 1]);
  assert.match(dissemination(result), /^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
});

Deno.test("simulate: a seed replays the same run", async () => {
  const options = { ...defaultSimulateOptions(), nodes: 20, seconds: 12, seed: 5, loss: 0.05 };
  const [a, b] = [await simulate(options), await simulate(options)];
  const strip = (r: typeof a) => {
    const {
      wall_s: _w,
      cpu_s: _c,
      peak_rss_mb: _m,
      tail_cpu_s_per_s: _t,
      cpu_s_by_second: _s,
      live_heap_mb: _h,
      ...rest
    } = summaryJson(r);
    return rest;
  };
  assert.deepEqual(strip(a), strip(b));
});

Deno.test("simulate: a partition is reported across the cut, not as false failures", async () => {
  const result = await simulate({
    ...defaultSimulateOptions(),
    nodes: 30,
    seconds: 40,
    seed: 2,
    partition: { percentA: 50, fromS: 12, toS: 30 },
  });
  assert.ok(result.partitionFailureEvents > 0);
  assert.equal(result.falseFailures, 0);
});

Deno.test("parseSimulateOptions reads the issue's interface and refuses bad values", () => {
  const o = parseSimulateOptions([
    "--nodes",
    "1000",
    "--seconds",
    "60",
    "--seed",
    "7",
    "--loss",
    "0.2",
    "--latency",
    "5",
    "--profile",
    "wan",
    "--partition",
    "30/70@12-20",
    "--chart",
    "x.svg",
    "--json",
    "--restart=30@15+5",
    "--heap-snapshot",
    "/tmp/a@b.heapsnapshot@15",
  ]);
  assert.deepEqual(
    [o.nodes, o.seconds, o.seed, o.loss, o.latencyMs, o.profile, o.chart, o.json],
    [1000, 60, 7, 0.2, 5, "wan", "x.svg", true],
  );
  assert.deepEqual(o.partition, { percentA: 30, fromS: 12, toS: 20 });
  assert.deepEqual(o.restart, { percent: 30, atS: 15, downS: 5 });
  assert.deepEqual(o.heapSnapshot, { file: "/tmp/a@b.heapsnapshot", atS: 15 });
  assert.throws(() => parseSimulateOptions(["--heap-snapshot", "h@1.5"]), /--heap-snapshot/);
  assert.throws(() => parseSimulateOptions(["--heap-snapshot", "@15"]), /--heap-snapshot/);
  assert.throws(() => parseSimulateOptions(["--heap-snapshot", "h@0"]), /--heap-snapshot/);
  assert.throws(() => parseSimulateOptions(["--nodes", "0"]), /--nodes/);
  assert.throws(() => parseSimulateOptions(["--loss", "2"]), /--loss/);
  assert.throws(() => parseSimulateOptions(["--partition", "30/60@1-2"]), /--partition/);
  assert.throws(() => parseSimulateOptions(["--bogus"]), /unknown flag/);
});
