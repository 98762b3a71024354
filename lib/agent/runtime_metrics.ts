/**
 * Go's runtime gauges (go-metrics' `runtime.*`, every second) from the JS
 * engine's nearest figures, so dashboards built on Serf's names keep working.
 * The mapping (also in README.md, "Telemetry"):
 *
 * | Serf's metric               | serfts reports                                                  |
 * | --------------------------- | --------------------------------------------------------------- |
 * | `runtime.num_goroutines`    | 1: JS runs the agent on one thread                              |
 * | `runtime.alloc_bytes`       | `heapUsed + external`: live objects, on and off the JS heap     |
 * | `runtime.sys_bytes`         | `rss`: memory the process holds from the OS                     |
 * | `runtime.heap_objects`      | `heapTotal`: bytes reserved by the JS heap (no object count)    |
 * | `runtime.malloc_count`      | running total of heap growth between polls, in bytes            |
 * | `runtime.free_count`        | running total of heap shrinkage between polls, in bytes         |
 * | `runtime.total_gc_runs`     | polls that saw the heap shrink (a collection ran)               |
 * | `runtime.gc_pause_ns`       | per such poll: how late the poll ran, in ns (a pause estimate)  |
 * | `runtime.total_gc_pause_ns` | sum of those estimates                                          |
 *
 * Neither Deno nor Bun reports collections or allocation counts to JS, so the
 * last five are estimates from what can be seen: the heap shrinking, and the
 * event loop stalling.
 *
 * @module
 */
import type { Clock, Timer } from "../util/clock.ts";
import type { Metrics } from "../util/metrics.ts";
import type { MemoryFigures } from "../platform/node_memory.ts";

/** go-metrics' ProfileInterval in Serf's agent. */
export const RUNTIME_METRICS_INTERVAL_MS = 1_000;

/** Running totals carried from one poll to the next. */
export interface RuntimeTotals {
  lastHeapUsed: number;
  grownBytes: number;
  shrunkBytes: number;
  gcRuns: number;
  gcPauseNs: number;
}

/** Totals before the first poll. */
export function emptyRuntimeTotals(): RuntimeTotals {
  return { lastHeapUsed: 0, grownBytes: 0, shrunkBytes: 0, gcRuns: 0, gcPauseNs: 0 };
}

/**
 * Emits one poll's gauges (and a `gc_pause_ns` sample when the heap shrank)
 * and returns the updated totals.
 *
 * @param lateMs how long after its due time the poll ran
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics, type MetricsSink } from "../util/metrics.ts";
 * import { emitRuntimeMetrics, emptyRuntimeTotals } from "./runtime_metrics.ts";
 *
 * const seen = new Map<string, number>();
 * const sink: MetricsSink = {
 *   setGauge: (k, v) => void seen.set(k.join("."), v),
 *   incrCounter() {},
 *   addSample: (k, v) => void seen.set(`${k.join(".")}|ms`, v),
 * };
 * const metrics = new Metrics(sink);
 * let totals = emptyRuntimeTotals();
 * totals = emitRuntimeMetrics(metrics, { rss: 50, heapTotal: 40, heapUsed: 30, external: 5 }, 0, totals);
 * totals = emitRuntimeMetrics(metrics, { rss: 50, heapTotal: 40, heapUsed: 20, external: 5 }, 2, totals);
 * assert.equal(seen.get("runtime.alloc_bytes"), 25);
 * assert.equal(seen.get("runtime.total_gc_runs"), 1);
 * assert.equal(seen.get("runtime.gc_pause_ns|ms"), 2_000_000);
 * ```
 */
export function emitRuntimeMetrics(
  metrics: Metrics,
  m: MemoryFigures,
  lateMs: number,
  totals: RuntimeTotals,
): RuntimeTotals {
  const next = { ...totals, lastHeapUsed: m.heapUsed };
  const delta = m.heapUsed - totals.lastHeapUsed;
  if (delta >= 0) next.grownBytes += delta;
  else {
    next.shrunkBytes -= delta;
    next.gcRuns++;
    const pauseNs = Math.max(0, Math.round(lateMs * 1e6));
    next.gcPauseNs += pauseNs;
    metrics.addSample(["runtime", "gc_pause_ns"], pauseNs);
  }
  metrics.setGauge(["runtime", "num_goroutines"], 1);
  metrics.setGauge(["runtime", "alloc_bytes"], m.heapUsed + m.external);
  metrics.setGauge(["runtime", "sys_bytes"], m.rss);
  metrics.setGauge(["runtime", "malloc_count"], next.grownBytes);
  metrics.setGauge(["runtime", "free_count"], next.shrunkBytes);
  metrics.setGauge(["runtime", "heap_objects"], m.heapTotal);
  metrics.setGauge(["runtime", "total_gc_pause_ns"], next.gcPauseNs);
  metrics.setGauge(["runtime", "total_gc_runs"], next.gcRuns);
  return next;
}

/**
 * Polls the memory figures every second on `clock` until the returned stop
 * function is called. The first poll is one interval after the start, as in go-metrics.
 *
 * @example
 * ```ts ignore
 * const stop = startRuntimeMetrics(metrics, clock, readMemoryFigures);
 * stop();
 * ```
 */
export function startRuntimeMetrics(
  metrics: Metrics,
  clock: Clock,
  read: () => MemoryFigures,
  intervalMs = RUNTIME_METRICS_INTERVAL_MS,
): () => void {
  let totals = emptyRuntimeTotals();
  let timer: Timer | undefined;
  let stopped = false;
  const arm = () => {
    const due = clock.now() + intervalMs;
    timer = clock.setTimer(intervalMs, () => {
      if (stopped) return;
      totals = emitRuntimeMetrics(metrics, read(), clock.now() - due, totals);
      arm();
    });
  };
  if (metrics.enabled) arm();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
