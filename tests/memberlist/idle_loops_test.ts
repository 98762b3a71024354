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
