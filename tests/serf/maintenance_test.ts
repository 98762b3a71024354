/**
 * Serf's background upkeep on virtual time, observed from outside: the
 * reconnect loop brings back members failed by a partition that outlasted
 * memberlist's gossip to the dead, and the queue-depth check warns about and
 * prunes a flooded broadcast queue.
 */
import assert from "node:assert/strict";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Three nodes; c is cut off until everyone marks the other side failed, then well past gossip-to-the-dead. */
async function splitAndHeal(reconnectIntervalMs: number): Promise<SerfCluster> {
  const c = new SerfCluster(41);
  for (const n of ["a", "b", "c"]) await c.add(n, { reconnectIntervalMs });
  await c.joinAll();
  assert.ok(await c.converge(3));
  const [a, b, lone] = c.nodes;
  c.network.partition([a!.addr, b!.addr], [lone!.addr]);
  assert.ok(
    await c.clock.advanceUntil(
      () => c.statusOf(a!, "c") === "failed" && c.statusOf(lone!, "a") === "failed",
      60_000,
      100,
    ),
    "both sides see the other failed",
  );
  // memberlist keeps gossiping to the dead for 30 s (LAN); outlast it so only Serf's reconnect can heal.
  await c.clock.advance(40_000);
  c.network.heal();
  return c;
}

Deno.test("Serf reconnect loop rejoins members failed by a healed partition", opts, async () => {
  const c = await splitAndHeal(5_000);
  assert.ok(await c.converge(3, 60_000), "the cluster is whole again");
  assert.ok(
    c.nodes.some((n) => n.logs.some((l) => /attempting reconnect to (a|b|c) 127\.0\.0\.1:\d+/.test(l))),
    "a reconnect was attempted",
  );
  await c.shutdown();
});

Deno.test("Serf without a due reconnect leaves a healed partition split", opts, async () => {
  // The control for the test above: the same split with the reconnect loop an hour away stays split.
  const c = await splitAndHeal(3_600_000);
  assert.equal(await c.converge(3, 60_000), false, "nothing but the reconnect loop heals this split");
  assert.equal(c.statusOf(c.nodes[0]!, "c"), "failed");
  await c.shutdown();
});

Deno.test(
  "Serf queue-depth check warns past queueDepthWarning and prunes past maxQueueDepth",
  opts,
  async () => {
    const c = new SerfCluster(42);
    const a = await c.add("a", { queueCheckIntervalMs: 1_000, queueDepthWarning: 20, maxQueueDepth: 50 });
    // Alone, a has nobody to gossip to: every event stays queued.
    for (let i = 0; i < 80; i++) a.serf.userEvent(`flood-${i}`, new Uint8Array(8), false);
    await c.clock.advance(1_000);
    assert.ok(a.logs.some((l) => l.includes("[WARN] serf: Event queue depth: 80")), a.logs.join("\n"));
    assert.ok(
      a.logs.some((l) =>
        l.includes("[WARN] serf: Event queue depth (80) exceeds limit (50), dropping messages!")
      ),
    );
    assert.equal(a.serf.stats.prunedBroadcasts, 30, "the 30 over the limit are counted as pruned");
    a.logs.length = 0;
    await c.clock.advance(1_000);
    assert.ok(a.logs.some((l) => l.includes("[WARN] serf: Event queue depth: 50")), "pruned to the limit");
    assert.equal(a.serf.stats.prunedBroadcasts, 30, "nothing more once under the limit");
    assert.ok(!a.logs.some((l) => l.includes("exceeds limit")));
    await c.shutdown();
  },
);

Deno.test("Serf queue-depth limit follows the cluster size when minQueueDepth is set", opts, async () => {
  const c = new SerfCluster(43);
  const a = await c.add("a", {
    queueCheckIntervalMs: 1_000,
    queueDepthWarning: 1_000,
    maxQueueDepth: 5,
    minQueueDepth: 30,
  });
  for (let i = 0; i < 40; i++) a.serf.userEvent(`flood-${i}`, new Uint8Array(8), false);
  await c.clock.advance(1_000);
  // max(minQueueDepth 30, 2 * 1 member) = 30, not maxQueueDepth's 5.
  assert.ok(a.logs.some((l) => l.includes("Event queue depth (40) exceeds limit (30), dropping messages!")));
  await c.shutdown();
});
