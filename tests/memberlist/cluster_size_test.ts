/**
 * The cluster size behind suspicion timeouts and retransmit limits counts
 * every node in the table, dead ones too, as memberlist's estimate does: in a
 * mixed cluster every node must time out a suspect alike.
 */
import assert from "node:assert/strict";
import { engineOf } from "../../lib/memberlist/memberlist.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { TestCluster } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Cluster size: retransmit limits count dead nodes in the table", opts, async () => {
  const c = new TestCluster(41);
  for (let i = 0; i < 10; i++) c.add();
  await c.joinAll();
  const a = c.nodes[0]!;
  assert.ok(await c.clock.advanceUntil(() => c.view(a).length === 10, 30_000, 100));
  c.network.kill(c.nodes[9]!.addr);
  assert.ok(await c.clock.advanceUntil(() => c.stateOf(a, "node-9") === NodeState.dead, 60_000, 100));

  // 9 alive + 1 dead: retransmitMult 4 x ceil(log10(10 + 1)) = 8 (9 alive alone would give 4).
  const engine = engineOf(a.m);
  engine.broadcasts.reset();
  engine.broadcasts.queueBroadcast({
    name: "probe-size",
    message: () => new Uint8Array([1, 2, 3]),
    invalidates: () => false,
    finished: () => {},
  });
  let sends = 0;
  while (engine.broadcasts.getBroadcasts(0, 1400).length > 0 && sends < 100) sends++;
  assert.equal(sends, 8);
  await c.shutdown();
});

Deno.test("Cluster size: suspicion expects confirmations when dead nodes fill the table", opts, async () => {
  const c = new TestCluster(42);
  for (let i = 0; i < 4; i++) c.add();
  await c.joinAll();
  const [a, , dead, suspect] = c.nodes as [typeof c.nodes[0], unknown, typeof c.nodes[0], typeof c.nodes[0]];
  assert.ok(await c.clock.advanceUntil(() => c.view(a).length === 4, 30_000, 100));
  c.network.kill(dead.addr);
  assert.ok(await c.clock.advanceUntil(() => c.stateOf(a, dead.name) === NodeState.dead, 60_000, 100));

  // Table of 4 (one dead): k = suspicionMult - 2 = 2 confirmations are expected, so the
  // timeout starts at 6x the minimum (4 s) and only one peer can confirm. Counting the
  // 3 alive nodes alone would expect none and declare the node dead after 4 s.
  c.network.kill(suspect.addr);
  assert.ok(await c.clock.advanceUntil(() => c.stateOf(a, suspect.name) === NodeState.suspect, 30_000, 20));
  const suspectedAt = c.clock.now();
  assert.ok(await c.clock.advanceUntil(() => c.stateOf(a, suspect.name) === NodeState.dead, 60_000, 20));
  const suspicionMs = c.clock.now() - suspectedAt;
  assert.ok(
    suspicionMs > 6_000,
    `suspicion lasted ${suspicionMs} ms; 4,000 means dead nodes were not counted`,
  );
  await c.shutdown();
});
