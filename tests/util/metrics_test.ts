import assert from "node:assert/strict";
import { FanoutSink, Metrics, type MetricsSink, NO_METRICS } from "../../lib/util/metrics.ts";

/** A sink that records `key|type=value` strings. */
function recordingSink(): MetricsSink & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    setGauge: (key, v) => void seen.push(`${key.join(".")}|g=${v}`),
    incrCounter: (key, v) => void seen.push(`${key.join(".")}|c=${v}`),
    addSample: (key, v) => void seen.push(`${key.join(".")}|ms=${v}`),
  };
}

Deno.test("Metrics prefixes every key with the service name and gauges with the host name", () => {
  const sink = recordingSink();
  const metrics = new Metrics(sink, { serviceName: "serf-agent", hostName: "db-1" });
  metrics.setGauge(["runtime", "alloc_bytes"], 10);
  metrics.incrCounter(["memberlist", "udp", "sent"], 120);
  metrics.incrCounter(["serf", "member", "join"]);
  metrics.addSample(["serf", "msgs", "sent"], 33);
  assert.deepEqual(sink.seen, [
    "serf-agent.db-1.runtime.alloc_bytes|g=10",
    "serf-agent.memberlist.udp.sent|c=120",
    "serf-agent.serf.member.join|c=1",
    "serf-agent.serf.msgs.sent|ms=33",
  ]);
});

Deno.test("Metrics without service or host name passes keys unchanged", () => {
  const sink = recordingSink();
  new Metrics(sink).setGauge(["memberlist", "health", "score"], 2);
  assert.deepEqual(sink.seen, ["memberlist.health.score|g=2"]);
});

Deno.test("Metrics.measureSince reports elapsed time in timer units", () => {
  const sink = recordingSink();
  let now = 1_000;
  const ms = new Metrics(sink, { now: () => now });
  const seconds = new Metrics(sink, { now: () => now, timerGranularityMs: 1_000 });
  const started = ms.start();
  now += 250;
  ms.measureSince(["memberlist", "gossip"], started);
  seconds.measureSince(["memberlist", "gossip"], started);
  assert.deepEqual(sink.seen, ["memberlist.gossip|ms=250", "memberlist.gossip|ms=0.25"]);
});

Deno.test("Metrics rejects a timer granularity that is not positive", () => {
  assert.throws(() => new Metrics(recordingSink(), { timerGranularityMs: 0 }), RangeError);
});

Deno.test("NO_METRICS is disabled: start() is 0 and every call is a no-op", () => {
  assert.equal(NO_METRICS.enabled, false);
  assert.equal(NO_METRICS.start(), 0);
  NO_METRICS.incrCounter(["serf", "events"]);
  NO_METRICS.measureSince(["serf", "events"], 0);
  assert.equal(new Metrics(recordingSink()).enabled, true);
});

Deno.test("FanoutSink hands every metric to each sink, labels included", () => {
  const a = recordingSink();
  const b = recordingSink();
  const labels: { name: string; value: string }[] = [];
  const c: MetricsSink = {
    setGauge: (_k, _v, l) => void labels.push(...(l ?? [])),
    incrCounter() {},
    addSample() {},
  };
  const fanout = new FanoutSink([a, b, c]);
  fanout.setGauge(["g"], 1, [{ name: "dc", value: "eu" }]);
  fanout.incrCounter(["c"], 2);
  fanout.addSample(["s"], 3);
  assert.deepEqual(a.seen, ["g|g=1", "c|c=2", "s|ms=3"]);
  assert.deepEqual(b.seen, a.seen);
  assert.deepEqual(labels, [{ name: "dc", value: "eu" }]);
});
