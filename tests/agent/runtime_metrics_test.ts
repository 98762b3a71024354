import assert from "node:assert/strict";
import {
  emitRuntimeMetrics,
  emptyRuntimeTotals,
  startRuntimeMetrics,
} from "../../lib/agent/runtime_metrics.ts";
import type { MemoryFigures } from "../../lib/platform/node_memory.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Metrics, type MetricsSink, NO_METRICS } from "../../lib/util/metrics.ts";

function recorder(): MetricsSink & { gauges: Map<string, number>; samples: [string, number][] } {
  const gauges = new Map<string, number>();
  const samples: [string, number][] = [];
  return {
    gauges,
    samples,
    setGauge: (k, v) => void gauges.set(k.join("."), v),
    incrCounter() {},
    addSample: (k, v) => void samples.push([k.join("."), v]),
  };
}

const GO_RUNTIME_GAUGES = [
  "num_goroutines",
  "alloc_bytes",
  "sys_bytes",
  "malloc_count",
  "free_count",
  "heap_objects",
  "total_gc_pause_ns",
  "total_gc_runs",
].map((n) => `serf-agent.host.runtime.${n}`);

Deno.test("Runtime metrics emit Go's eight runtime gauges every second, with the host name", async () => {
  const clock = new VirtualClock();
  const sink = recorder();
  const metrics = new Metrics(sink, { serviceName: "serf-agent", hostName: "host" });
  let reads = 0;
  const read = (): MemoryFigures => ({
    rss: 9_000,
    heapTotal: 4_000,
    heapUsed: 1_000 + 100 * ++reads,
    external: 50,
  });
  const stop = startRuntimeMetrics(metrics, clock, read);
  await clock.advance(999);
  assert.equal(reads, 0);
  await clock.advance(1);
  assert.deepEqual([...sink.gauges.keys()].sort(), [...GO_RUNTIME_GAUGES].sort());
  await clock.advance(2_000);
  assert.equal(reads, 3);
  assert.equal(sink.gauges.get("serf-agent.host.runtime.sys_bytes"), 9_000);
  assert.equal(sink.gauges.get("serf-agent.host.runtime.alloc_bytes"), 1_300 + 50);
  assert.equal(sink.gauges.get("serf-agent.host.runtime.heap_objects"), 4_000);
  assert.equal(sink.gauges.get("serf-agent.host.runtime.malloc_count"), 1_300); // growth since start
  stop();
  await clock.advance(5_000);
  assert.equal(reads, 3);
});

Deno.test("Runtime metrics count a shrinking heap as a collection and sample the poll's lateness as its pause", () => {
  const sink = recorder();
  const metrics = new Metrics(sink, { serviceName: "serf-agent" });
  let totals = emptyRuntimeTotals();
  const figures = (heapUsed: number): MemoryFigures => ({ rss: 1, heapTotal: 1, heapUsed, external: 0 });
  totals = emitRuntimeMetrics(metrics, figures(500), 0, totals);
  totals = emitRuntimeMetrics(metrics, figures(300), 1.5, totals);
  totals = emitRuntimeMetrics(metrics, figures(400), 0, totals);
  totals = emitRuntimeMetrics(metrics, figures(100), 0.25, totals);
  assert.deepEqual(sink.samples, [["serf-agent.runtime.gc_pause_ns", 1_500_000], [
    "serf-agent.runtime.gc_pause_ns",
    250_000,
  ]]);
  assert.equal(sink.gauges.get("serf-agent.runtime.total_gc_runs"), 2);
  assert.equal(sink.gauges.get("serf-agent.runtime.total_gc_pause_ns"), 1_750_000);
  assert.equal(sink.gauges.get("serf-agent.runtime.malloc_count"), 600);
  assert.equal(sink.gauges.get("serf-agent.runtime.free_count"), 500);
  assert.deepEqual(totals, {
    lastHeapUsed: 100,
    grownBytes: 600,
    shrunkBytes: 500,
    gcRuns: 2,
    gcPauseNs: 1_750_000,
  });
});

Deno.test("Runtime metrics do not poll when metrics are disabled", async () => {
  const clock = new VirtualClock();
  let reads = 0;
  const stop = startRuntimeMetrics(NO_METRICS, clock, () => {
    reads++;
    return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0 };
  });
  await clock.advance(10_000);
  stop();
  assert.equal(reads, 0);
});
