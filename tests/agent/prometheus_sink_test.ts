import assert from "node:assert/strict";
import { KEY_RULES } from "../../lib/agent/prometheus_families.ts";
import { PrometheusSink } from "../../lib/agent/prometheus_sink.ts";
import {
  type PromFamily,
  type PromHistogramSeries,
  writePrometheusText,
} from "../../lib/agent/prometheus_text.ts";
import { Metrics } from "../../lib/util/metrics.ts";
import { parseMetrics, parserUnavailable, valueOf } from "./_prometheus.ts";

const skip = await parserUnavailable();
if (skip) console.warn(`SKIPPED parser round trips: ${skip}`);

function agentFront(sink: PrometheusSink, hostName = "web1"): Metrics {
  return new Metrics(sink, { serviceName: "serf-agent", hostName });
}

function family(sink: PrometheusSink, name: string): PromFamily {
  const f = sink.families().find((f) => f.name === name);
  assert.ok(f, `family ${name}`);
  return f;
}

function scalar(sink: PrometheusSink, name: string, labels: Record<string, string> = {}): number {
  const f = family(sink, name);
  assert.notEqual(f.type, "histogram");
  const s = (f.series as { labels: Record<string, string>; value: number }[])
    .find((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
  assert.ok(s, `${name}${JSON.stringify(labels)}`);
  return s.value;
}

function histogram(
  sink: PrometheusSink,
  name: string,
  labels: Record<string, string> = {},
): PromHistogramSeries {
  const f = family(sink, name);
  assert.equal(f.type, "histogram");
  const s = (f.series as PromHistogramSeries[]).find((s) =>
    JSON.stringify(s.labels) === JSON.stringify(labels)
  );
  assert.ok(s, `${name}${JSON.stringify(labels)}`);
  return s;
}

Deno.test("PrometheusSink: every listed series exists at zero before anything is emitted", () => {
  const sink = new PrometheusSink({ serviceName: "serf-agent", hostName: "web1" });
  const families = sink.families();
  const series = families.reduce((n, f) => n + f.series.length, 0);
  assert.equal(series, KEY_RULES.size, "one series per listed key");
  for (const f of families) {
    assert.match(f.name, /^serfts_[a-z0-9_]+$/);
    if (f.type === "counter") assert.match(f.name, /_total$/);
    if (f.type === "histogram") assert.match(f.name, /_seconds$/);
    for (const s of f.series) {
      if ("value" in s) assert.equal(s.value, 0);
      else assert.ok(s.bucketCounts.every((n) => n === 0) && s.sum === 0);
    }
  }
});

Deno.test("PrometheusSink: strips the service name and the gauges' host name the agent's front adds", () => {
  const sink = new PrometheusSink({ serviceName: "serf-agent", hostName: "web1" });
  const metrics = agentFront(sink);
  metrics.setGauge(["runtime", "sys_bytes"], 4096); // serf-agent.web1.runtime.sys_bytes
  metrics.incrCounter(["serf", "member", "join"]); // serf-agent.serf.member.join
  metrics.incrCounter(["serf", "member", "join"]);
  assert.equal(scalar(sink, "serfts_runtime_sys_bytes"), 4096);
  assert.equal(scalar(sink, "serfts_member_changes_total", { change: "join" }), 2);

  const bare = new PrometheusSink();
  new Metrics(bare).setGauge(["runtime", "sys_bytes"], 1);
  assert.equal(scalar(bare, "serfts_runtime_sys_bytes"), 1, "no prefix configured, none expected");
});

Deno.test("PrometheusSink: per-name and unknown keys add no series", () => {
  const sink = new PrometheusSink({ serviceName: "serf-agent" });
  const metrics = new Metrics(sink, { serviceName: "serf-agent" });
  const before = JSON.stringify(sink.families());
  for (let i = 0; i < 100; i++) {
    metrics.incrCounter(["serf", "events", `deploy-${i}`]);
    metrics.incrCounter(["serf", "queries", `q-${i}`]);
    metrics.addSample(["agent", "invoke", `script ${i}`], 5);
  }
  metrics.incrCounter(["something", "new"]);
  metrics.setGauge(["serf", "member", "join"], 7); // a listed key through the wrong call
  assert.equal(JSON.stringify(sink.families()), before);
});

Deno.test("PrometheusSink: counters only grow; negative and non-finite amounts are ignored", () => {
  const sink = new PrometheusSink();
  const metrics = new Metrics(sink);
  metrics.incrCounter(["agent", "ipc", "accept"], 3);
  metrics.incrCounter(["agent", "ipc", "accept"], -2);
  metrics.incrCounter(["agent", "ipc", "accept"], NaN);
  metrics.incrCounter(["agent", "ipc", "accept"], Infinity);
  assert.equal(scalar(sink, "serfts_rpc_connections_total"), 3);
});

Deno.test("PrometheusSink: timers in ms land in seconds buckets, a value on a bound in that bucket", () => {
  const sink = new PrometheusSink();
  const metrics = new Metrics(sink);
  metrics.addSample(["memberlist", "probeNode"], 0.2); // 0.0002 s: first bucket (le 0.0005)
  metrics.addSample(["memberlist", "probeNode"], 1); // exactly le 0.001
  metrics.addSample(["memberlist", "probeNode"], 600); // 0.6 s: le 1
  metrics.addSample(["memberlist", "probeNode"], 60_000); // above every bound
  const h = histogram(sink, "serfts_probe_duration_seconds");
  const at = (le: number) => h.bucketCounts[h.bounds.indexOf(le)];
  assert.equal(at(0.0005), 1);
  assert.equal(at(0.001), 1);
  assert.equal(at(1), 1);
  assert.equal(h.bucketCounts.at(-1), 1);
  assert.ok(Math.abs(h.sum - 60.6012) < 1e-9, String(h.sum));
  metrics.addSample(["serf", "snapshot", "compact"], 2);
  assert.equal(histogram(sink, "serfts_snapshot_duration_seconds", { op: "compact" }).sum, 0.002);
});

Deno.test(
  { name: "PrometheusSink: its families parse with Prometheus' parser", ignore: !!skip },
  async () => {
    const sink = new PrometheusSink();
    const metrics = new Metrics(sink);
    metrics.addSample(["memberlist", "pushPullNode"], 12);
    metrics.addSample(["serf", "snapshot", "appendLine"], 0.05);
    metrics.incrCounter(["serf", "query_duplicate_acks"]);
    const families = await parseMetrics(writePrometheusText(sink.families()));
    assert.equal(valueOf(families, "serfts_push_pull_duration_seconds"), 1);
    assert.equal(valueOf(families, "serfts_snapshot_duration_seconds", { op: "append" }), 1);
    assert.equal(valueOf(families, "serfts_snapshot_duration_seconds", { op: "compact" }), 0);
    assert.equal(valueOf(families, "serfts_query_acks_total", { duplicate: "true" }), 1);
    assert.equal(valueOf(families, "serfts_query_acks_total", { duplicate: "false" }), 0);
  },
);
