import assert from "node:assert/strict";
import type { Delegate } from "../../lib/memberlist/delegate.ts";
import { TestCluster } from "./_cluster.ts";
import { engineOf } from "../../lib/memberlist/memberlist.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Memberlist: a lone node keeps no gossip or probe timer running", opts, async () => {
  const c = new TestCluster(3);
  const a = c.add();
  await c.clock.advance(5_000);
  // Only the push/pull loop (30 s) remains scheduled.
  assert.equal(c.clock.pending, 1);
  assert.equal(a.m.numMembers(), 1);
  await c.shutdown();
});

/** A delegate with one user broadcast to hand out on demand, recording what it receives. */
function userDelegate(): Delegate & { outbox: Uint8Array[]; inbox: string[] } {
  const d = {
    outbox: [] as Uint8Array[],
    inbox: [] as string[],
    nodeMeta: () => new Uint8Array(),
    notifyMsg: (msg: Uint8Array) => void d.inbox.push(new TextDecoder().decode(msg)),
    getBroadcasts: () => d.outbox.splice(0),
    pendingBroadcasts: () => d.outbox.length,
    localState: () => new Uint8Array(),
    mergeRemoteState: () => {},
  };
  return d;
}

Deno.test(
  "Memberlist: gossip parks when quiet; a woken broadcast leaves within one interval",
  opts,
  async () => {
    const c = new TestCluster(5);
    const da = userDelegate();
    const db = userDelegate();
    const a = c.add({ delegate: da });
    c.add({ delegate: db });
    await c.joinAll();
    assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 2), 10_000, 50));
    // Once the join's broadcasts are spent, each node keeps its probe and push/pull timers only.
    await c.clock.advance(20_000);
    for (const n of c.nodes) assert.equal(engineOf(n.m).broadcasts.numQueued(), 0);
    assert.ok(c.clock.pending <= 2 * 2, `pending timers: ${c.clock.pending}`);

    da.outbox.push(new TextEncoder().encode("hello"));
    a.m.wakeGossip();
    const interval = engineOf(a.m).config.gossipIntervalMs;
    assert.ok(
      await c.clock.advanceUntil(() => db.inbox.length > 0, interval + 5, 1),
      "not delivered in time",
    );
    assert.deepEqual(db.inbox, ["hello"]);
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist: probing parked while alone resumes at its next tick, not the moment a join adds a node",
  opts,
  async () => {
    const c = new TestCluster(7);
    const t0 = c.clock.now();
    // Every random draw is 0.5: the probe loop's stagger is half an interval, so it ticks at 250, 750, 1250 ms...
    const config = { probeIntervalMs: 500, rng: { next: () => 0.5 } };
    c.add(config);
    const b = c.add(config);
    const probes: number[] = [];
    const engine = engineOf(b.m);
    const nextSeqNo = engine.nextSeqNo.bind(engine);
    engine.nextSeqNo = () => {
      probes.push(c.clock.now() - t0);
      return nextSeqNo();
    };
    await c.clock.advance(1_000);
    // The join adds the seed at about 1,002 ms. A ping then would carry the joiner's fresh alive to the
    // seed, and the seed's ack its re-broadcast back: transmits spent where both ends already know.
    await c.joinAll();
    await c.clock.advance(1_000);
    assert.deepEqual(probes.slice(0, 2), [1_250, 1_750]);
    await c.shutdown();
  },
);
