import assert from "node:assert/strict";
import { type PromFamily, writePrometheusText } from "../../lib/agent/prometheus_text.ts";
import { parseMetrics, parserUnavailable, series, valueOf } from "./_prometheus.ts";

const skip = await parserUnavailable();
if (skip) console.warn(`SKIPPED parser round trips: ${skip}`);

Deno.test({
  name: "writePrometheusText: label values with quotes, backslashes and line feeds survive a parse",
  ignore: !!skip,
}, async () => {
  const awkward = 'say "hi"\\n\nsecond line \\';
  const text = writePrometheusText([
    {
      type: "gauge",
      name: "serfts_x",
      help: "Help with a \\ and a\nline feed.",
      series: [
        { labels: { tag: awkward, other: "" }, value: 1 },
      ],
    },
  ]);
  assert.ok(text.includes("# HELP serfts_x Help with a \\\\ and a\\nline feed.\n"), text);
  const families = await parseMetrics(text);
  assert.equal(series(families, "serfts_x", { tag: awkward, other: "" }).value, "1");
  assert.equal(families.get("serfts_x")!.help, "Help with a \\ and a\nline feed.");
});

Deno.test({
  name: "writePrometheusText: histograms are cumulative and end with +Inf, _sum and _count",
  ignore: !!skip,
}, async () => {
  const text = writePrometheusText([
    {
      type: "histogram",
      name: "serfts_h_seconds",
      help: "h",
      series: [
        { labels: { op: "a" }, bounds: [0.001, 0.5, 2], bucketCounts: [1, 0, 3, 2], sum: 17.25 },
      ],
    },
  ]);
  const families = await parseMetrics(text);
  const h = series(families, "serfts_h_seconds", { op: "a" });
  assert.deepEqual(h.buckets, { "0.001": "1", "0.5": "1", "2": "4", "+Inf": "6" });
  assert.equal(h.sum, "17.25");
  assert.equal(valueOf(families, "serfts_h_seconds", { op: "a" }), 6);
});

Deno.test({
  name: "writePrometheusText: special values are spelled as Prometheus reads them",
  ignore: !!skip,
}, async () => {
  const text = writePrometheusText([
    {
      type: "gauge",
      name: "serfts_g",
      help: "g",
      series: [
        { labels: { v: "nan" }, value: NaN },
        { labels: { v: "inf" }, value: Infinity },
        { labels: { v: "-inf" }, value: -Infinity },
        { labels: { v: "tiny" }, value: 1e-7 },
        { labels: { v: "huge" }, value: 2 ** 60 },
      ],
    },
  ]);
  assert.match(text, /^serfts_g\{v="nan"\} NaN$/m);
  assert.match(text, /^serfts_g\{v="inf"\} \+Inf$/m);
  assert.match(text, /^serfts_g\{v="-inf"\} -Inf$/m);
  const families = await parseMetrics(text);
  assert.equal(valueOf(families, "serfts_g", { v: "tiny" }), 1e-7);
  assert.equal(valueOf(families, "serfts_g", { v: "huge" }), 2 ** 60);
});

Deno.test("writePrometheusText: refuses bad names, reserved labels, repeated families and short bucket lists", () => {
  const gauge = (name: string, labels: Record<string, string> = {}): PromFamily => ({
    type: "gauge",
    name,
    help: "h",
    series: [{ labels, value: 1 }],
  });
  assert.throws(() => writePrometheusText([gauge("serfts-x")]), TypeError);
  assert.throws(() => writePrometheusText([gauge("1serfts")]), TypeError);
  assert.throws(() => writePrometheusText([gauge("serfts_x", { "bad-name": "v" })]), TypeError);
  assert.throws(() => writePrometheusText([gauge("serfts_x", { __reserved: "v" })]), TypeError);
  assert.throws(() => writePrometheusText([gauge("serfts_x", { le: "1" })]), TypeError);
  assert.throws(() => writePrometheusText([gauge("serfts_x"), gauge("serfts_x")]), RangeError);
  assert.throws(
    () =>
      writePrometheusText([{
        type: "histogram",
        name: "serfts_h",
        help: "h",
        series: [{ labels: {}, bounds: [1, 2], bucketCounts: [1, 2], sum: 0 }],
      }]),
    RangeError,
  );
});

Deno.test({
  name: "writePrometheusText: a family without series still declares its HELP and TYPE",
  ignore: !!skip,
}, async () => {
  const text = writePrometheusText([{ type: "counter", name: "serfts_none_total", help: "n", series: [] }]);
  assert.equal(text, "# HELP serfts_none_total n\n# TYPE serfts_none_total counter\n");
  assert.equal((await parseMetrics(text)).get("serfts_none_total")?.type, "COUNTER");
});

Deno.test({
  name: "parseMetrics (the test reader) refuses what Prometheus or its naming rules would",
  ignore: !!skip,
}, async () => {
  const bad = [
    "# HELP a_total x\n# TYPE a_total counter\na_total 1\n# TYPE a_total counter\n", // a second TYPE
    "# HELP a x\n# TYPE a counter\na 1\n", // a counter without _total
    '# HELP a x\n# TYPE a gauge\na{b="c} 1\n', // an unterminated label value
    "# HELP a x\n# TYPE a gauge\na 1", // no final line feed
    '# HELP h x\n# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
  ];
  for (const text of bad) await assert.rejects(() => parseMetrics(text), Error, JSON.stringify(text));
});
