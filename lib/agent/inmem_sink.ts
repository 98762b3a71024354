/**
 * go-metrics' in-memory sink as `serf agent` keeps it: metrics aggregated in
 * 10-second intervals, the last minute retained, and a text dump of the
 * finished intervals that the agent writes to stderr on SIGUSR1. It lets an
 * operator look at a running agent's numbers without a statsd server.
 *
 * @module
 */
import type { MetricLabel, MetricsSink } from "../util/metrics.ts";
import { flattenMetricKey } from "../util/statsd_line.ts";

/** Options for {@linkcode InmemSink}; Serf's agent values. */
export interface InmemSinkOptions {
  /** Length of one aggregation interval. @default 10000 */
  intervalMs: number;
  /** How far back intervals are kept. @default 60000 */
  retainMs: number;
  /** Wall time in Unix ms; intervals start on multiples of `intervalMs`. @default Date.now */
  wallNow: () => number;
}

/** Count, sum, extremes and spread of the values of one counter or sample in one interval. */
class Aggregate {
  count = 0;
  sum = 0;
  sumSq = 0;
  min = 0;
  max = 0;
  lastUpdated = 0;

  ingest(value: number, now: number): void {
    this.count++;
    this.sum += value;
    this.sumSq += value * value;
    if (value < this.min || this.count === 1) this.min = value;
    if (value > this.max || this.count === 1) this.max = value;
    this.lastUpdated = now;
  }

  /** Sample standard deviation, 0 for fewer than two values (as go-metrics computes it). */
  stddev(): number {
    const div = this.count * (this.count - 1);
    return div === 0 ? 0 : Math.sqrt((this.count * this.sumSq - this.sum * this.sum) / div);
  }

  /** go-metrics' AggregateSample text. */
  describe(): string {
    const last = formatGoTime(this.lastUpdated);
    if (this.count === 0) return "Count: 0";
    if (this.stddev() === 0) return `Count: ${this.count} Sum: ${this.sum.toFixed(3)} LastUpdated: ${last}`;
    return `Count: ${this.count} Min: ${this.min.toFixed(3)} Mean: ${
      (this.sum / this.count).toFixed(3)
    } Max: ${this.max.toFixed(3)} Stddev: ${this.stddev().toFixed(3)} Sum: ${
      this.sum.toFixed(3)
    } LastUpdated: ${last}`;
  }
}

interface Interval {
  start: number;
  gauges: Map<string, number>;
  counters: Map<string, Aggregate>;
  samples: Map<string, Aggregate>;
}

/**
 * Formats Unix ms as Go prints a UTC `time.Time` with `%v`:
 * `2006-01-02 15:04:05.999 +0000 UTC`, fraction trimmed of trailing zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatGoTime } from "./inmem_sink.ts";
 *
 * assert.equal(formatGoTime(Date.UTC(2026, 11, 2, 5, 32, 20)), "2026-12-02 05:32:20 +0000 UTC");
 * assert.equal(formatGoTime(Date.UTC(2026, 11, 2, 5, 32, 20, 120)), "2026-12-02 05:32:20.12 +0000 UTC");
 * ```
 */
export function formatGoTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-02T05:32:20.120Z
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ""} +0000 UTC`;
}

/**
 * Aggregates metrics in memory for {@linkcode InmemSink.dump}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InmemSink } from "./inmem_sink.ts";
 *
 * let now = Date.UTC(2026, 0, 1, 0, 0, 0);
 * const sink = new InmemSink({ wallNow: () => now });
 * sink.setGauge(["serf-agent", "runtime", "sys_bytes"], 1024);
 * sink.incrCounter(["serf-agent", "serf", "events"], 1);
 * now += 10_000; // the first interval is finished
 * assert.equal(
 *   sink.dump(),
 *   "[2026-01-01 00:00:00 +0000 UTC][G] 'serf-agent.runtime.sys_bytes': 1024.000\n" +
 *     "[2026-01-01 00:00:00 +0000 UTC][C] 'serf-agent.serf.events': Count: 1 Sum: 1.000 LastUpdated: 2026-01-01 00:00:00 +0000 UTC\n",
 * );
 * ```
 */
export class InmemSink implements MetricsSink {
  readonly #options: InmemSinkOptions;
  readonly #maxIntervals: number;
  #intervals: Interval[] = [];

  /** @throws {RangeError} when `intervalMs` or `retainMs` is not positive */
  constructor(options: Partial<InmemSinkOptions> = {}) {
    this.#options = { intervalMs: 10_000, retainMs: 60_000, wallNow: () => Date.now(), ...options };
    const { intervalMs, retainMs } = this.#options;
    if (!(intervalMs > 0) || !(retainMs > 0)) {
      throw new RangeError(
        `Cannot create in-memory sink as 'intervalMs' and 'retainMs' must be positive: current values are ${intervalMs} and ${retainMs}`,
      );
    }
    this.#maxIntervals = Math.ceil(retainMs / intervalMs);
  }

  setGauge(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    this.#current().gauges.set(flattenMetricKey(key, labels), Math.fround(value));
  }

  incrCounter(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    this.#aggregate(this.#current().counters, flattenMetricKey(key, labels), value);
  }

  addSample(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    this.#aggregate(this.#current().samples, flattenMetricKey(key, labels), value);
  }

  /**
   * The finished intervals as go-metrics' signal handler prints them
   * (`[interval][G|C|S] 'name': ...`), oldest first; the interval still being
   * aggregated is left out.
   */
  dump(): string {
    this.#current();
    const lines: string[] = [];
    for (const intv of this.#intervals.slice(0, -1)) {
      const at = formatGoTime(intv.start);
      for (const [name, v] of intv.gauges) lines.push(`[${at}][G] '${name}': ${v.toFixed(3)}`);
      for (const [name, a] of intv.counters) lines.push(`[${at}][C] '${name}': ${a.describe()}`);
      for (const [name, a] of intv.samples) lines.push(`[${at}][S] '${name}': ${a.describe()}`);
    }
    return lines.map((l) => `${l}\n`).join("");
  }

  #aggregate(map: Map<string, Aggregate>, name: string, value: number): void {
    let agg = map.get(name);
    if (!agg) map.set(name, agg = new Aggregate());
    agg.ingest(Math.fround(value), this.#options.wallNow());
  }

  #current(): Interval {
    const { intervalMs, wallNow } = this.#options;
    const start = Math.floor(wallNow() / intervalMs) * intervalMs;
    const last = this.#intervals.at(-1);
    if (last && last.start === start) return last;
    const fresh: Interval = { start, gauges: new Map(), counters: new Map(), samples: new Map() };
    this.#intervals.push(fresh);
    if (this.#intervals.length > this.#maxIntervals) {
      this.#intervals.splice(0, this.#intervals.length - this.#maxIntervals);
    }
    return fresh;
  }
}
