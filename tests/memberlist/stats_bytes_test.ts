/**
 * The byte counters behind `serfts_gossip_{sent,received}_bytes_total`: what
 * one node writes to a stream is what its peer counts as read, and datagrams
 * are counted on both sides.
 */
import assert from "node:assert/strict";
import { TestCluster } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Memberlist stats: a join's push/pull counts the same TCP bytes on both ends", opts, async () => {
  const c = new TestCluster(7);
  // No periodic push/pull, so the join is the only stream exchange.
  const a = c.add({ pushPullIntervalMs: 0 });
  const b = c.add({ pushPullIntervalMs: 0 });
  try {
    assert.deepEqual([a.m.stats.tcpBytesSent, a.m.stats.tcpBytesReceived], [0, 0]);
    await c.joinAll();
    const [sa, sb] = [a.m.stats, b.m.stats];
    assert.ok(sb.tcpBytesSent > 0 && sa.tcpBytesSent > 0);
    assert.equal(sa.tcpBytesReceived, sb.tcpBytesSent, "a read all that b (the joiner) wrote");
    assert.equal(sb.tcpBytesReceived, sa.tcpBytesSent, "b read all of a's answer");

    await c.clock.advance(5_000); // probes and gossip over UDP
    const [ua, ub] = [a.m.stats, b.m.stats];
    assert.ok(ua.udpBytesSent > 0 && ub.udpBytesReceived > 0);
    assert.ok(ua.udpBytesReceived >= ua.packetsReceived, "every datagram has at least one byte");
    assert.ok(ub.udpBytesSent >= ub.packetsSent);
    assert.equal(ua.tcpBytesSent, sa.tcpBytesSent, "no stream was opened since the join");
  } finally {
    await c.shutdown();
  }
});
