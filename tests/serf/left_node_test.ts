/**
 * A node purged from the gossip table after `gossipToTheDeadTime` must not
 * come back as a false join (and, since it never answers, a false failure)
 * when a stale alive claim about it arrives; a genuine restart under the same
 * name must still rejoin.
 */
import assert from "node:assert/strict";
import { engineOf } from "../../lib/memberlist/memberlist.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { encodeMessage } from "../../lib/memberlist/wire.ts";
import type { MemberEvent } from "../../lib/serf/types.ts";
import { SerfCluster, type TestSerf } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function memberEventsAbout(node: TestSerf, name: string): string[] {
  return node.events.filter((e) => e.type.startsWith("member-"))
    .filter((e) => (e as MemberEvent).members.some((m) => m.name === name))
    .map((e) => e.type);
}

async function purgedCluster(seed: number) {
  const c = new SerfCluster(seed);
  for (const n of ["a", "b", "c"]) await c.add(n, { tombstoneTimeoutMs: 3_600_000 });
  await c.joinAll();
  assert.ok(await c.converge(3));
  const [a, , gone] = c.nodes as [TestSerf, TestSerf, TestSerf];
  await c.run(gone.serf.leave());
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(a, "c") === "left", 10_000, 100));
  await c.run(gone.serf.shutdown());
  const engine = engineOf(a.serf.memberlist);
  const lastKnown = engine.nodes.get("c")!;
  const incarnation = lastKnown.incarnation;
  const addr = lastKnown.addr;
  // gossipToTheDeadTime is 30 s on a LAN; a probe round later the record is gone.
  assert.ok(await c.clock.advanceUntil(() => engine.nodes.get("c") === undefined, 60_000, 200));
  assert.equal(engine.nodes.purgedCount, 1);
  return { c, a, engine, incarnation, addr, port: gone.addr.port };
}

Deno.test("Purged node: a stale alive is ignored, handlers see no false join or failure", opts, async () => {
  const { c, a, engine, incarnation, addr, port } = await purgedCluster(31);
  const before = memberEventsAbout(a, "c");
  assert.deepEqual(before, ["member-join", "member-leave"]);

  // A peer that missed the leave repeats c's old alive, as gossip or push/pull would.
  const stalePeer = c.network.listen({ host: "127.0.0.1", port: 9999 });
  const stale = encodeMessage({
    type: "alive",
    incarnation,
    node: "c",
    addr,
    port,
    meta: new Uint8Array(),
    vsn: [1, 5, 2, 2, 5, 4],
  });
  stalePeer.sendPacket(stale, a.addr);
  await c.clock.advance(60_000);

  assert.deepEqual(memberEventsAbout(a, "c"), before, "no member-join or member-failed for a stale alive");
  assert.equal(c.statusOf(a, "c"), "left");
  const recalled = engine.nodes.get("c");
  assert.ok(recalled === undefined || recalled.state === NodeState.left, "never alive again");
  await stalePeer.close();
  await c.shutdown();
});

Deno.test("Purged node: a genuine restart under the same name rejoins", opts, async () => {
  const { c, a } = await purgedCluster(32);
  const restarted = await c.add("c", { port: c.nodes[2]!.addr.port });
  await c.run(restarted.serf.join([a.address]));
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(a, "c") === "alive", 30_000, 100));
  assert.deepEqual(memberEventsAbout(a, "c"), ["member-join", "member-leave", "member-join"]);
  await c.shutdown();
});

Deno.test("Merge delegate: a joining cluster's left members arrive with status left", opts, async () => {
  const c = new SerfCluster(33);
  const seen: { name: string; status: string }[] = [];
  const a = await c.add("a", {
    merge: { notifyMerge: (ms) => void seen.push(...ms.map((m) => ({ name: m.name, status: m.status }))) },
  });
  const b = await c.add("b");
  const gone = await c.add("c");
  await c.run(gone.serf.join([b.address]));
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(b, "c") === "alive", 10_000, 100));
  await c.run(gone.serf.leave());
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(b, "c") === "left", 10_000, 100));
  await c.run(gone.serf.shutdown());
  await c.run(a.serf.join([b.address]));
  const fromPushPull = new Map(seen.map((m) => [m.name, m.status]));
  assert.equal(fromPushPull.get("b"), "none");
  assert.equal(fromPushPull.get("c"), "left");
  await c.shutdown();
});
