/**
 * A metrics sink that keeps what Prometheus scrapes: running counter totals,
 * last gauge values and histogram buckets, for the go-metrics keys listed in
 * {@linkcode KEY_RULES}. It sits in the agent's fan-out beside statsd,
 * statsite and the in-memory sink, so the engine reports each metric once.
 *
 * Bounded by construction: only listed keys are kept, every series exists
 * from the start (at 0, so `rate()` sees the first increment), and nothing is
 * ever added per node, event or script name.
 *
 * @module
 */
import type { MetricLabel, MetricsSink } from "../util/metrics.ts";
import { KEY_RULES, type KeyRule, type SinkFamily } from "./prometheus_families.ts";
import type { PromFamily, PromHistogramSeries, PromLabels, PromScalarSeries } from "./prometheus_text.ts";

/** Options for {@linkcode PrometheusSink}: how the agent's {@linkcode Metrics} front names keys. */
export interface PrometheusSinkOptions {
  /** First key segment the front adds (Serf's `serf-agent`), removed before lookup. @default "" */
  serviceName: string;
  /** Second segment the front adds to gauges when a statsd or statsite sink is on. @default "" */
  hostName: string;
  /** The keys kept and how. @default KEY_RULES */
  rules: ReadonlyMap<string, KeyRule>;
}

interface Scalar {
  labels: PromLabels;
  value: number;
}

interface Histogram {
  labels: PromLabels;
  bounds: readonly number[];
  bucketCounts: number[];
  sum: number;
}

interface Entry {
  rule: KeyRule;
  scalar?: Scalar;
  histogram?: Histogram;
}

/** Key segments to entries, walked one segment at a time so an emission allocates nothing. */
interface KeyTrie {
  entry?: Entry;
  next: Map<string, KeyTrie>;
}

/** One family's series, in table order. */
interface FamilyState {
  family: SinkFamily;
  scalars: Scalar[];
  histograms: Histogram[];
}

/**
 * Keeps Prometheus' view of the emitted metrics; {@linkcode PrometheusSink.families}
 * hands it to the text writer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics } from "../util/metrics.ts";
 * import { PrometheusSink } from "./prometheus_sink.ts";
 * import { writePrometheusText } from "./prometheus_text.ts";
 *
 * const sink = new PrometheusSink({ serviceName: "serf-agent" });
 * const metrics = new Metrics(sink, { serviceName: "serf-agent" });
 * metrics.incrCounter(["serf", "member", "join"]);
 * metrics.addSample(["memberlist", "probeNode"], 3); // ms
 * metrics.incrCounter(["serf", "events", "deploy"]); // per-name key: not kept
 * const text = writePrometheusText(sink.families());
 * assert.match(text, /^serfts_member_changes_total\{change="join"\} 1$/m);
 * assert.match(text, /^serfts_probe_duration_seconds_bucket\{le="0.005"\} 1$/m);
 * assert.match(text, /^serfts_probe_duration_seconds_sum 0.003$/m);
 * assert.doesNotMatch(text, /deploy/);
 * ```
 */
export class PrometheusSink implements MetricsSink {
  readonly #options: PrometheusSinkOptions;
  readonly #families: FamilyState[] = [];
  /** Series by go-metrics key segments (unprefixed). */
  readonly #byKey: KeyTrie = { next: new Map() };

  /** @throws {RangeError} when two rules give one family different types or a histogram no bounds */
  constructor(options: Partial<PrometheusSinkOptions> = {}) {
    this.#options = { serviceName: "", hostName: "", rules: KEY_RULES, ...options };
    const states = new Map<SinkFamily, FamilyState>();
    for (const [key, rule] of this.#options.rules) {
      let state = states.get(rule.family);
      if (!state) {
        state = { family: rule.family, scalars: [], histograms: [] };
        states.set(rule.family, state);
        this.#families.push(state);
      }
      if (rule.family.type === "histogram") {
        const bounds = rule.family.bounds;
        if (!bounds || bounds.length === 0) {
          throw new RangeError(`Cannot keep histogram '${rule.family.name}': it has no bucket bounds`);
        }
        const histogram = {
          labels: rule.labels,
          bounds,
          bucketCounts: new Array(bounds.length + 1).fill(0),
          sum: 0,
        };
        state.histograms.push(histogram);
        this.#insert(key, { rule, histogram });
      } else {
        const scalar = { labels: rule.labels, value: 0 };
        state.scalars.push(scalar);
        this.#insert(key, { rule, scalar });
      }
    }
  }

  /** Keeps the latest value of a listed gauge. */
  setGauge(key: readonly string[], value: number, _labels?: readonly MetricLabel[]): void {
    const entry = this.#lookup(key, "gauge");
    if (entry?.scalar && Number.isFinite(value)) entry.scalar.value = value * (entry.rule.scale ?? 1);
  }

  /** Adds to a listed counter; negative or non-finite amounts are ignored, so totals only grow. */
  incrCounter(key: readonly string[], value: number, _labels?: readonly MetricLabel[]): void {
    const entry = this.#lookup(key, "counter");
    if (entry?.scalar && Number.isFinite(value) && value > 0) {
      entry.scalar.value += value * (entry.rule.scale ?? 1);
    }
  }

  /** Puts one observation of a listed sample or timer in its bucket. */
  addSample(key: readonly string[], value: number, _labels?: readonly MetricLabel[]): void {
    const entry = this.#lookup(key, "sample");
    const h = entry?.histogram;
    if (!h || !Number.isFinite(value)) return;
    const v = value * (entry.rule.scale ?? 1);
    let i = 0;
    while (i < h.bounds.length && v > h.bounds[i]!) i++;
    h.bucketCounts[i]!++;
    h.sum += v;
  }

  /** A snapshot of every family, in table order, for {@linkcode writePrometheusText}. */
  families(): PromFamily[] {
    return this.#families.map(({ family, scalars, histograms }): PromFamily => {
      if (family.type === "histogram") {
        const series: PromHistogramSeries[] = histograms.map((h) => ({
          labels: h.labels,
          bounds: h.bounds,
          bucketCounts: [...h.bucketCounts],
          sum: h.sum,
        }));
        return { type: "histogram", name: family.name, help: family.help, series };
      }
      const series: PromScalarSeries[] = scalars.map((s) => ({ labels: s.labels, value: s.value }));
      return { type: family.type, name: family.name, help: family.help, series };
    });
  }

  #insert(dotted: string, entry: Entry): void {
    let node = this.#byKey;
    for (const segment of dotted.split(".")) {
      let child = node.next.get(segment);
      if (!child) node.next.set(segment, child = { next: new Map() });
      node = child;
    }
    node.entry = entry;
  }

  #lookup(key: readonly string[], via: KeyRule["via"]): Entry | undefined {
    const { serviceName, hostName } = this.#options;
    let i = 0;
    if (serviceName !== "" && key[i] === serviceName) i++;
    if (via === "gauge" && hostName !== "" && key[i] === hostName) i++;
    let node: KeyTrie | undefined = this.#byKey;
    for (; node && i < key.length; i++) node = node.next.get(key[i]!);
    const entry = node?.entry;
    return entry && entry.rule.via === via ? entry : undefined;
  }
}
