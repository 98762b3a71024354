import assert from "node:assert/strict";
import { type LineOutlet, LineSink } from "../../lib/agent/line_sink.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";

/** A collector the test controls: records batches, fails on demand, counts connects. */
function fakeCollector() {
  const state = {
    batches: [] as string[][],
    connects: 0,
    refuse: false,
    failNextSend: false,
    closed: 0,
    logs: [] as string[],
  };
  const open = (): Promise<LineOutlet> => {
    state.connects++;
    if (state.refuse) return Promise.reject(new Error("connection refused"));
    return Promise.resolve({
      send(lines) {
        if (state.failNextSend) {
          state.failNextSend = false;
          return Promise.reject(new Error("broken pipe"));
        }
        state.batches.push(lines);
        return Promise.resolve();
      },
      close() {
        state.closed++;
        return Promise.resolve();
      },
    });
  };
  const logger = new Logger({ level: "TRACE", sink: (l) => state.logs.push(l) });
  return { state, open, logger };
}

Deno.test("LineSink batches lines and flushes them every 100 ms", async () => {
  const clock = new VirtualClock();
  const c = fakeCollector();
  const sink = new LineSink({ name: "statsd", open: c.open, clock, logger: c.logger });
  await clock.advance(0);
  sink.setGauge(["s", "h", "g"], 1);
  sink.incrCounter(["s", "c"], 2);
  await clock.advance(99);
  assert.deepEqual(c.state.batches, []);
  sink.addSample(["s", "t"], 0.5);
  await clock.advance(1);
  assert.deepEqual(c.state.batches, [["s.h.g:1.000000|g\n", "s.c:2.000000|c\n", "s.t:0.500000|ms\n"]]);
  await clock.advance(500); // nothing queued: nothing sent
  assert.equal(c.state.batches.length, 1);
  await sink.close();
  assert.equal(c.state.closed, 1);
});

Deno.test("LineSink drops lines beyond its queue capacity until the next flush", async () => {
  const clock = new VirtualClock();
  const c = fakeCollector();
  const sink = new LineSink({ name: "statsd", open: c.open, clock, logger: c.logger, queueCapacity: 3 });
  await clock.advance(0);
  for (let i = 0; i < 5; i++) sink.incrCounter(["n", String(i)], 1);
  await clock.advance(100);
  sink.incrCounter(["n", "late"], 1);
  await clock.advance(100);
  assert.deepEqual(c.state.batches.map((b) => b.length), [3, 1]);
  await sink.close();
});

Deno.test("LineSink backs off 5 s after a failed send, dropping metrics, then reconnects", async () => {
  const clock = new VirtualClock();
  const c = fakeCollector();
  const sink = new LineSink({ name: "statsite", open: c.open, clock, logger: c.logger });
  await clock.advance(0);
  c.state.failNextSend = true;
  sink.incrCounter(["lost"], 1);
  await clock.advance(100);
  assert.equal(c.state.closed, 1);
  assert.match(c.state.logs.join("\n"), /\[ERR\] Error flushing to statsite! Err: broken pipe/);
  sink.incrCounter(["dropped-while-waiting"], 1);
  await clock.advance(4_900);
  assert.equal(c.state.connects, 1);
  await clock.advance(100);
  assert.equal(c.state.connects, 2);
  sink.incrCounter(["after"], 1);
  await clock.advance(100);
  assert.deepEqual(c.state.batches, [["after:1.000000|c\n"]]);
  await sink.close();
});

Deno.test("LineSink logs a refused connection and retries every 5 s without throwing", async () => {
  const clock = new VirtualClock();
  const c = fakeCollector();
  c.state.refuse = true;
  const sink = new LineSink({ name: "statsd", open: c.open, clock, logger: c.logger });
  await clock.advance(0);
  sink.incrCounter(["x"], 1);
  await clock.advance(10_000);
  assert.equal(c.state.connects, 3);
  assert.match(c.state.logs[0]!, /\[ERR\] Error connecting to statsd! Err: connection refused/);
  c.state.refuse = false;
  await clock.advance(5_000);
  sink.incrCounter(["y"], 1);
  await clock.advance(100);
  assert.deepEqual(c.state.batches, [["y:1.000000|c\n"]]);
  await sink.close();
  assert.equal(clock.errors, 0);
});

Deno.test("LineSink.close sends what is queued and stops its timers", async () => {
  const clock = new VirtualClock();
  const c = fakeCollector();
  const sink = new LineSink({ name: "statsd", open: c.open, clock, logger: c.logger });
  await clock.advance(0);
  sink.incrCounter(["last"], 1);
  await sink.close();
  assert.deepEqual(c.state.batches, [["last:1.000000|c\n"]]);
  sink.incrCounter(["after-close"], 1);
  await clock.advance(10_000);
  assert.equal(c.state.batches.length, 1);
  assert.equal(c.state.connects, 1);
});
