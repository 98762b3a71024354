/**
 * Prometheus' text exposition format, version 0.0.4: what `GET /metrics`
 * answers. A small writer rather than `prom-client`: serfts already keeps its
 * own counters, needs only counters, gauges and histograms, and the library
 * would add start-up time and memory to every agent (see README.md,
 * "Prometheus metrics", for the measurement).
 *
 * The writer checks names (`[a-zA-Z_:][a-zA-Z0-9_:]*`, labels without `:`
 * and not starting with `__`), writes one `# HELP` and one `# TYPE` line per
 * family, escapes HELP text and label values as the format requires, and
 * renders histograms as cumulative `_bucket` series ending in `le="+Inf"`,
 * then `_sum` and `_count`.
 *
 * @module
 */

/** Label names to values; the writer sorts nothing, so callers pass labels in a stable order. */
export type PromLabels = Readonly<Record<string, string>>;

/** One series of a counter or gauge. */
export interface PromScalarSeries {
  labels: PromLabels;
  value: number;
}

/** One series of a histogram: upper bounds and the count of observations in each bucket (not cumulative). */
export interface PromHistogramSeries {
  labels: PromLabels;
  /** Finite upper bounds, ascending; the `+Inf` bucket is implied. */
  bounds: readonly number[];
  /** Observations per bucket: `bounds.length + 1` entries, the last for values above every bound. */
  bucketCounts: readonly number[];
  sum: number;
}

/** A metric family: a name, its help text, its type and its series. */
export type PromFamily =
  | { type: "counter" | "gauge"; name: string; help: string; series: readonly PromScalarSeries[] }
  | { type: "histogram"; name: string; help: string; series: readonly PromHistogramSeries[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Throws unless `name` is a valid metric name.
 * @throws {TypeError} naming the bad value
 */
function checkMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) {
    throw new TypeError(
      `Cannot use '${name}' as a Prometheus metric name: it must match ${METRIC_NAME.source}`,
    );
  }
}

/**
 * Throws unless `name` is a valid label name that is not reserved (`__*`, or `le` outside histograms' buckets).
 * @throws {TypeError} naming the bad value
 */
function checkLabelName(name: string): void {
  if (!LABEL_NAME.test(name) || name.startsWith("__") || name === "le") {
    throw new TypeError(
      `Cannot use '${name}' as a Prometheus label name: it must match ${LABEL_NAME.source}, not start with '__' and not be 'le'`,
    );
  }
}

/**
 * Formats a sample value: integers as digits, `NaN`, `+Inf` and `-Inf` spelled as Prometheus does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPromValue } from "./prometheus_text.ts";
 *
 * assert.equal(formatPromValue(3), "3");
 * assert.equal(formatPromValue(0.25), "0.25");
 * assert.equal(formatPromValue(Infinity), "+Inf");
 * ```
 */
export function formatPromValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Escapes a label value: backslash, double quote and line feed. */
function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** Escapes HELP text: backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

function labelText(labels: PromLabels, extra?: [string, string]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    checkLabelName(k);
    parts.push(`${k}="${escapeLabelValue(v)}"`);
  }
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function writeHistogram(name: string, s: PromHistogramSeries, out: string[]): void {
  if (s.bucketCounts.length !== s.bounds.length + 1) {
    throw new RangeError(
      `Cannot write histogram '${name}': ${s.bounds.length} bounds need ${
        s.bounds.length + 1
      } bucket counts, got ${s.bucketCounts.length}`,
    );
  }
  let cumulative = 0;
  s.bounds.forEach((le, i) => {
    cumulative += s.bucketCounts[i]!;
    out.push(`${name}_bucket${labelText(s.labels, ["le", formatPromValue(le)])} ${cumulative}`);
  });
  cumulative += s.bucketCounts[s.bounds.length]!;
  out.push(`${name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${cumulative}`);
  out.push(`${name}_sum${labelText(s.labels)} ${formatPromValue(s.sum)}`);
  out.push(`${name}_count${labelText(s.labels)} ${cumulative}`);
}

/**
 * Writes `families` as one exposition (ends with a line feed).
 *
 * @throws {TypeError} for an invalid metric or label name
 * @throws {RangeError} when a family name repeats, or a histogram's bounds and bucket counts disagree
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writePrometheusText } from "./prometheus_text.ts";
 *
 * const text = writePrometheusText([
 *   { type: "gauge", name: "serfts_members", help: "Members by status.", series: [
 *     { labels: { status: "alive" }, value: 3 },
 *   ] },
 *   { type: "histogram", name: "serfts_probe_duration_seconds", help: "Probe time.", series: [
 *     { labels: {}, bounds: [0.01, 0.1], bucketCounts: [4, 1, 0], sum: 0.07 },
 *   ] },
 * ]);
 * assert.equal(text, [
 *   "# HELP serfts_members Members by status.",
 *   "# TYPE serfts_members gauge",
 *   'serfts_members{status="alive"} 3',
 *   "# HELP serfts_probe_duration_seconds Probe time.",
 *   "# TYPE serfts_probe_duration_seconds histogram",
 *   'serfts_probe_duration_seconds_bucket{le="0.01"} 4',
 *   'serfts_probe_duration_seconds_bucket{le="0.1"} 5',
 *   'serfts_probe_duration_seconds_bucket{le="+Inf"} 5',
 *   "serfts_probe_duration_seconds_sum 0.07",
 *   "serfts_probe_duration_seconds_count 5",
 *   "",
 * ].join("\n"));
 * ```
 */
export function writePrometheusText(families: Iterable<PromFamily>): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    checkMetricName(f.name);
    if (seen.has(f.name)) throw new RangeError(`Cannot write metric family '${f.name}' twice`);
    seen.add(f.name);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const s of f.series) writeHistogram(f.name, s, out);
    } else {
      for (const s of f.series) out.push(`${f.name}${labelText(s.labels)} ${formatPromValue(s.value)}`);
    }
  }
  out.push("");
  return out.join("\n");
}
