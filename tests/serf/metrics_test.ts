/**
 * Serf and memberlist report Serf's metrics from the same places Serf does:
 * a three-node cluster on the in-memory network, each node with a recording
 * sink, through joins, a user event, a query and a failure.
 */
import assert from "node:assert/strict";
import { Metrics, type MetricsSink } from "../../lib/util/metrics.ts";
import { SerfCluster } from "./_serf_cluster.ts";

/** Per key: how many calls, and the sum of the values. */
class Recorder implements MetricsSink {
  calls = new Map<string, number>();
  sums = new Map<string, number>();
  types = new Map<string, string>();
  #record(key: readonly string[], value: number, type: string) {
    const k = key.join(".");
    this.calls.set(k, (this.calls.get(k) ?? 0) + 1);
    this.sums.set(k, (this.sums.get(k) ?? 0) + value);
    this.types.set(k, type);
  }
  setGauge(key: readonly string[], value: number) {
    this.#record(key, value, "g");
  }
  incrCounter(key: readonly string[], value: number) {
    this.#record(key, value, "c");
  }
  addSample(key: readonly string[], value: number) {
    this.#record(key, value, "ms");
  }
  count(key: string): number {
    return this.calls.get(key) ?? 0;
  }
}

Deno.test("Serf and memberlist metrics follow joins, a user event, a query and a failure", async () => {
  const cluster = new SerfCluster(7);
  const recorders = [new Recorder(), new Recorder(), new Recorder()];
  try {
    for (const [i, name] of ["a", "b", "c"].entries()) {
      await cluster.add(name, { metrics: new Metrics(recorders[i]!, { now: () => cluster.clock.now() }) });
    }
    await cluster.joinAll();
    assert.ok(await cluster.converge(3));
    const [a, , c] = cluster.nodes;
    const [ra, rb] = recorders as [Recorder, Recorder, Recorder];

    assert.equal(ra.count("serf.member.join"), 3); // itself, b and c
    assert.ok(ra.count("memberlist.msg.alive") >= 3);
    assert.ok(ra.count("memberlist.tcp.accept") >= 2, "b and c pushed/pulled with a to join");
    assert.ok(rb.count("memberlist.tcp.connect") >= 1 && rb.count("memberlist.pushPullNode") >= 1);
    assert.ok(rb.sums.get("memberlist.tcp.sent")! > 0);

    a!.serf.userEvent("deploy", new TextEncoder().encode("v1"), false);
    assert.ok(await cluster.clock.advanceUntil(() => rb.count("serf.events.deploy") === 1, 10_000));
    assert.equal(rb.count("serf.events"), 1);
    assert.equal(ra.count("serf.events.deploy"), 1, "the sender counts its own event once");

    const query = a!.serf.query("ping", new Uint8Array(), { timeoutMs: 2_000, requestAck: true });
    assert.ok(await cluster.clock.advanceUntil(() => ra.count("serf.query_acks") === 3, 10_000));
    assert.equal(ra.count("serf.queries"), 1);
    assert.equal(ra.count("serf.queries.ping"), 1);
    assert.equal(ra.count("serf.query_duplicate_acks"), 0);
    await cluster.clock.advance(2_500);
    query.close();

    await cluster.run(c!.serf.shutdown(), 5_000);
    assert.ok(await cluster.clock.advanceUntil(() => ra.count("serf.member.failed") === 1, 60_000));
    assert.ok(ra.count("memberlist.msg.suspect") + recorders[1]!.count("memberlist.msg.suspect") >= 1);
    assert.ok(ra.count("memberlist.msg.dead") >= 1);
    assert.ok(await cluster.clock.advanceUntil(() => ra.count("serf.queue.Intent") >= 1, 31_000));

    // Every UDP packet the nodes sent went through memberlist.udp.sent, its size as the value.
    const sentCalls = recorders.reduce((n, r) => n + r.count("memberlist.udp.sent"), 0);
    assert.equal(sentCalls, cluster.network.counters.packetsSent);
    for (const r of recorders) assert.ok(r.count("memberlist.udp.received") > 0);

    const types = ra.types;
    for (
      const [key, type] of [
        ["memberlist.probeNode", "ms"],
        ["memberlist.gossip", "ms"],
        ["serf.msgs.sent", "ms"],
        ["serf.msgs.received", "ms"],
        ["serf.coordinate.adjustment-ms", "ms"],
        ["serf.queue.Event", "ms"],
        ["memberlist.health.score", "g"],
        ["memberlist.degraded.probe", "c"],
      ]
    ) {
      assert.equal(types.get(key!), type, key);
    }
  } finally {
    await cluster.shutdown();
  }
});
