/**
 * The metrics front every layer reports through, shaped like armon/go-metrics
 * as Serf's agent configures it: a service-name prefix on every key, the host
 * name as the second key segment of gauges, timers in milliseconds. Emitters
 * name a metric by its key segments (`["memberlist", "gossip"]`); sinks decide
 * the wire format (statsd lines today, Prometheus later).
 *
 * A {@linkcode Metrics} is passed down through config (memberlist, Serf, the
 * agent), never kept in a module global: one process may run many nodes, each
 * reporting somewhere else, and tests capture what one node emits.
 *
 * @module
 */

/**
 * A name/value pair attached to a metric; statsd appends values to the key, Prometheus keeps them as labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricLabel } from "../../mod.ts";
 * import { flattenMetricKey } from "./statsd_line.ts";
 *
 * const dc: MetricLabel = { name: "dc", value: "eu-west" };
 * assert.equal(flattenMetricKey(["serf", "events"], [dc]), "serf.events.eu-west");
 * ```
 */
export interface MetricLabel {
  name: string;
  value: string;
}

/**
 * Where metrics go. Calls come from the gossip engine's hot paths: a sink must
 * not block or throw, and should drop rather than queue without bound.
 * Keys arrive complete (service prefix, host name on gauges) and must not be
 * mutated.
 *
 * @example A sink keeping running totals, as a test or an embedder might
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics, type MetricsSink } from "../../mod.ts";
 *
 * const totals = new Map<string, number>();
 * const sink: MetricsSink = {
 *   setGauge: (key, value) => void totals.set(key.join("."), value),
 *   incrCounter: (key, value) => void totals.set(key.join("."), (totals.get(key.join(".")) ?? 0) + value),
 *   addSample() {},
 * };
 * const metrics = new Metrics(sink);
 * metrics.incrCounter(["serf", "member", "join"]);
 * metrics.incrCounter(["serf", "member", "join"]);
 * assert.equal(totals.get("serf.member.join"), 2);
 * ```
 */
export interface MetricsSink {
  /** A value that replaces the previous one (statsd `g`). */
  setGauge(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void;
  /** An amount to add to a running total (statsd `c`). */
  incrCounter(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void;
  /** One observation of a distribution, such as a duration in ms (statsd `ms`). */
  addSample(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void;
}

/**
 * Options for {@linkcode Metrics}; go-metrics' `DefaultConfig` values unless noted.
 *
 * @example Serf's agent names
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics, type MetricsOptions, NO_METRICS } from "../../mod.ts";
 *
 * const options: Partial<MetricsOptions> = { serviceName: "serf-agent", hostName: "web1" };
 * assert.equal(new Metrics({ setGauge() {}, incrCounter() {}, addSample() {} }, options).enabled, true);
 * assert.equal(NO_METRICS.enabled, false);
 * ```
 */
export interface MetricsOptions {
  /** First key segment of every metric; Serf's agent uses `serf-agent`. @default "" (none) */
  serviceName: string;
  /** Host name inserted after the service name on gauges (go-metrics' EnableHostname). @default "" (none) */
  hostName: string;
  /** Milliseconds per timer unit: 1 reports durations in milliseconds, as go-metrics does. @default 1 */
  timerGranularityMs: number;
  /** Monotonic milliseconds for {@linkcode Metrics.measureSince}. @default performance.now */
  now: () => number;
}

/** go-metrics' defaults minus the names, which belong to whoever builds the front. */
export function defaultMetricsOptions(): MetricsOptions {
  return {
    serviceName: "",
    hostName: "",
    timerGranularityMs: 1, // go-metrics' TimerGranularity: time.Millisecond
    now: () => performance.now(),
  };
}

/**
 * Names metrics like go-metrics and hands them to a sink.
 *
 * Built over {@linkcode NO_METRICS_SINK} it is disabled: every method returns
 * before building a key, so instrumented hot paths cost a call and a branch.
 * Callers whose key needs work to build (a string per event name) should test
 * {@linkcode Metrics.enabled} first.
 *
 * @example A gauge gets the host name; counters and samples do not
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics, type MetricsSink } from "./metrics.ts";
 *
 * const seen: string[] = [];
 * const sink: MetricsSink = {
 *   setGauge: (key, v) => seen.push(`${key.join(".")}=${v}|g`),
 *   incrCounter: (key, v) => seen.push(`${key.join(".")}=${v}|c`),
 *   addSample: (key, v) => seen.push(`${key.join(".")}=${v}|ms`),
 * };
 * const metrics = new Metrics(sink, { serviceName: "serf-agent", hostName: "web1" });
 * metrics.setGauge(["memberlist", "health", "score"], 1);
 * metrics.incrCounter(["serf", "events"]);
 * metrics.addSample(["serf", "queue", "Event"], 0);
 * assert.deepEqual(seen, [
 *   "serf-agent.web1.memberlist.health.score=1|g",
 *   "serf-agent.serf.events=1|c",
 *   "serf-agent.serf.queue.Event=0|ms",
 * ]);
 * ```
 */
export class Metrics {
  /** False when the sink is {@linkcode NO_METRICS_SINK}: nothing would be recorded. */
  readonly enabled: boolean;
  readonly #sink: MetricsSink;
  readonly #options: MetricsOptions;

  /**
   * Names metrics for `sink`; pass {@linkcode NO_METRICS_SINK} (or use
   * {@linkcode NO_METRICS}) to record nothing.
   * @throws {RangeError} when `timerGranularityMs` is not a positive number
   */
  constructor(sink: MetricsSink, options: Partial<MetricsOptions> = {}) {
    this.#sink = sink;
    this.#options = { ...defaultMetricsOptions(), ...options };
    if (!(this.#options.timerGranularityMs > 0)) {
      throw new RangeError(
        `Cannot create metrics as 'timerGranularityMs' must be positive: current value is ${this.#options.timerGranularityMs}`,
      );
    }
    this.enabled = sink !== NO_METRICS_SINK;
  }

  /** Sets a gauge; the key gets the service name and the host name. */
  setGauge(key: readonly string[], value: number): void {
    if (!this.enabled) return;
    const { serviceName, hostName } = this.#options;
    const full = hostName === "" ? key : [hostName, ...key];
    this.#sink.setGauge(serviceName === "" ? full : [serviceName, ...full], value);
  }

  /** Adds `value` (default 1) to a counter; the key gets the service name. */
  incrCounter(key: readonly string[], value = 1): void {
    if (!this.enabled) return;
    this.#sink.incrCounter(this.#prefixed(key), value);
  }

  /** Records one sample; the key gets the service name. */
  addSample(key: readonly string[], value: number): void {
    if (!this.enabled) return;
    this.#sink.addSample(this.#prefixed(key), value);
  }

  /** A start time for {@linkcode Metrics.measureSince}; 0 when disabled, to skip the clock read. */
  start(): number {
    return this.enabled ? this.#options.now() : 0;
  }

  /** Records the time since `startMs` (from {@linkcode Metrics.start}) as a sample in timer units. */
  measureSince(key: readonly string[], startMs: number): void {
    if (!this.enabled) return;
    const elapsed = (this.#options.now() - startMs) / this.#options.timerGranularityMs;
    this.#sink.addSample(this.#prefixed(key), elapsed);
  }

  #prefixed(key: readonly string[]): readonly string[] {
    const { serviceName } = this.#options;
    return serviceName === "" ? key : [serviceName, ...key];
  }
}

/** The sink that records nothing; a {@linkcode Metrics} over it is disabled. */
export const NO_METRICS_SINK: MetricsSink = Object.freeze({
  setGauge() {},
  incrCounter() {},
  addSample() {},
});

/**
 * The default of every `metrics` config field: records nothing, costs nearly
 * nothing. Stateless, so one shared instance is safe.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_METRICS } from "../../mod.ts";
 *
 * NO_METRICS.incrCounter(["serf", "events"]); // goes nowhere
 * assert.equal(NO_METRICS.enabled, false);
 * ```
 */
export const NO_METRICS: Metrics = new Metrics(NO_METRICS_SINK);

/**
 * Sends every metric to each of several sinks (go-metrics' FanoutSink), so the
 * agent can feed statsd, statsite and its in-memory sink at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FanoutSink, type MetricsSink } from "./metrics.ts";
 *
 * const counts = [0, 0];
 * const counting = (i: number): MetricsSink => ({
 *   setGauge() {},
 *   incrCounter: (_key, v) => void (counts[i]! += v),
 *   addSample() {},
 * });
 * const fanout = new FanoutSink([counting(0), counting(1)]);
 * fanout.incrCounter(["serf", "events"], 2);
 * assert.deepEqual(counts, [2, 2]);
 * ```
 */
export class FanoutSink implements MetricsSink {
  readonly #sinks: readonly MetricsSink[];

  /** Fans out to `sinks`, in order; the list is copied. */
  constructor(sinks: readonly MetricsSink[]) {
    this.#sinks = [...sinks];
  }

  /** Sets the gauge in every sink. */
  setGauge(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    for (const s of this.#sinks) s.setGauge(key, value, labels);
  }

  /** Adds to the counter in every sink. */
  incrCounter(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    for (const s of this.#sinks) s.incrCounter(key, value, labels);
  }

  /** Records the sample in every sink. */
  addSample(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    for (const s of this.#sinks) s.addSample(key, value, labels);
  }
}
