import assert from "node:assert/strict";
import { formatGoTime, InmemSink } from "../../lib/agent/inmem_sink.ts";

const T0 = Date.UTC(2026, 11, 2, 5, 0, 0);

Deno.test("InmemSink aggregates counters and samples per 10 s interval and dumps only finished ones", () => {
  let now = T0 + 1_000;
  const sink = new InmemSink({ wallNow: () => now });
  sink.addSample(["serf-agent", "memberlist", "gossip"], 1);
  sink.addSample(["serf-agent", "memberlist", "gossip"], 3);
  sink.incrCounter(["serf-agent", "memberlist", "udp", "sent"], 60);
  sink.setGauge(["serf-agent", "runtime", "sys_bytes"], 5);
  sink.setGauge(["serf-agent", "runtime", "sys_bytes"], 7); // the last value wins
  assert.equal(sink.dump(), "", "the current interval is still being aggregated");
  now = T0 + 10_000;
  sink.incrCounter(["serf-agent", "serf", "events"], 1);
  const at = "[2026-12-02 05:00:00 +0000 UTC]";
  const last = "LastUpdated: 2026-12-02 05:00:01 +0000 UTC";
  assert.equal(
    sink.dump(),
    `${at}[G] 'serf-agent.runtime.sys_bytes': 7.000\n` +
      `${at}[C] 'serf-agent.memberlist.udp.sent': Count: 1 Sum: 60.000 ${last}\n` +
      `${at}[S] 'serf-agent.memberlist.gossip': Count: 2 Min: 1.000 Mean: 2.000 Max: 3.000 Stddev: 1.414 Sum: 4.000 ${last}\n`,
  );
});

Deno.test("InmemSink keeps one minute of intervals", () => {
  let now = T0;
  const sink = new InmemSink({ wallNow: () => now });
  for (let i = 0; i < 10; i++) {
    sink.incrCounter(["c"], i);
    now += 10_000;
  }
  const starts = [...new Set(sink.dump().split("\n").filter((l) => l).map((l) => l.slice(1, 20)))];
  // Six intervals kept, the newest (empty, current) not dumped: the five before it.
  assert.deepEqual(starts, [
    "2026-12-02 05:00:50",
    "2026-12-02 05:01:00",
    "2026-12-02 05:01:10",
    "2026-12-02 05:01:20",
    "2026-12-02 05:01:30",
  ]);
});

Deno.test("InmemSink flattens keys like go-metrics and rejects bad intervals", () => {
  let now = T0;
  const sink = new InmemSink({ wallNow: () => now });
  sink.incrCounter(["agent", "invoke", "echo ok"], 1);
  now += 10_000;
  assert.match(sink.dump(), /'agent\.invoke\.echo_ok'/);
  assert.throws(() => new InmemSink({ intervalMs: 0 }), RangeError);
});

Deno.test("formatGoTime prints UTC like Go's time.Time %v, trimming the fraction", () => {
  assert.equal(formatGoTime(T0), "2026-12-02 05:00:00 +0000 UTC");
  assert.equal(formatGoTime(T0 + 5), "2026-12-02 05:00:00.005 +0000 UTC");
  assert.equal(formatGoTime(T0 + 500), "2026-12-02 05:00:00.5 +0000 UTC");
});
