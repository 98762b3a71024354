import assert from "node:assert/strict";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { suspicionTimeout } from "../../lib/memberlist/math.ts";
import { defaultLanConfig } from "../../lib/memberlist/config.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import { engineOf } from "../../lib/memberlist/memberlist.ts";
import { suspectNode } from "../../lib/memberlist/state_machine.ts";
import { TestCluster } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Memberlist: 50 nodes converge to full membership", opts, async () => {
  const c = new TestCluster(7);
  for (let i = 0; i < 50; i++) c.add();
  await c.joinAll();
  const converged = await c.clock.advanceUntil(
    () => c.nodes.every((n) => n.m.numMembers() === 50),
    60_000,
    200,
  );
  assert.ok(converged, `views: ${c.nodes.map((n) => n.m.numMembers()).join(",")}`);
  assert.equal(c.clock.errors, 0);
  await c.shutdown();
});

Deno.test("Memberlist: a killed node is marked dead by all within the detection bound", opts, async () => {
  const c = new TestCluster(11);
  for (let i = 0; i < 20; i++) c.add();
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 20), 30_000, 200));

  const victim = c.nodes[5]!;
  c.network.kill(victim.addr);
  const killedAt = c.clock.now();
  const others = c.nodes.filter((n) => n !== victim);
  // Bound: a full probe round, the longest Lifeguard suspicion, and gossip spread.
  const cfg = defaultLanConfig();
  const minSuspicion = suspicionTimeout(cfg.suspicionMult, 20, cfg.probeIntervalMs);
  const bound = 20 * cfg.probeIntervalMs + cfg.suspicionMaxTimeoutMult * minSuspicion + 10_000;
  const dead = await c.clock.advanceUntil(
    () =>
      others.every((n) =>
        c.stateOf(n, victim.name) === NodeState.dead || c.stateOf(n, victim.name) === undefined
      ),
    bound,
    200,
  );
  assert.ok(dead, `not all saw ${victim.name} dead within ${bound} ms`);
  const elapsed = c.clock.now() - killedAt;
  assert.ok(elapsed <= bound);
  // Every survivor got exactly one leave event for the victim and no false ones.
  for (const n of others) {
    assert.deepEqual(n.events.filter((e) => e.type === "leave").map((e) => e.node), [victim.name]);
  }
  await c.shutdown();
});

Deno.test("Memberlist: a suspected live node refutes with a higher incarnation", opts, async () => {
  const c = new TestCluster(3);
  for (let i = 0; i < 5; i++) c.add();
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 5), 30_000, 200));
  const target = c.nodes[2]!;
  const before = target.m.allNodes().find((n) => n.name === target.name)!.incarnation;
  // One peer accuses the target; the accusation spreads by gossip and reaches the target.
  const accuser = c.nodes[0]!;
  const engine = engineOf(accuser.m);
  const rec = engine.nodes.get(target.name)!;
  suspectNode(engine, {
    type: "suspect",
    incarnation: rec.incarnation,
    node: target.name,
    from: accuser.name,
  });
  assert.equal(c.stateOf(accuser, target.name), NodeState.suspect);
  const refuted = await c.clock.advanceUntil(
    () => {
      const inc = target.m.allNodes().find((n) => n.name === target.name)!.incarnation;
      return inc > before && c.nodes.every((n) => c.stateOf(n, target.name) === NodeState.alive);
    },
    30_000,
    100,
  );
  assert.ok(refuted, "target did not refute");
  assert.ok(target.logs.some((l) => l.includes("Refuting a suspect message")));
  for (const n of c.nodes) assert.equal(n.events.filter((e) => e.type === "leave").length, 0);
  await c.shutdown();
});

Deno.test("Memberlist: with 20% packet loss no live node is declared dead over 60 s", opts, async () => {
  const c = new TestCluster(21);
  for (let i = 0; i < 10; i++) c.add();
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 10), 30_000, 200));
  c.network.setLoss(0.2);
  await c.clock.advance(60_000);
  for (const n of c.nodes) {
    assert.equal(n.events.filter((e) => e.type === "leave").length, 0, `${n.name} declared someone dead`);
    assert.equal(n.m.numMembers(), 10);
  }
  await c.shutdown();
});

Deno.test("Memberlist: UDP blocked one way but TCP open keeps the node alive and warns", opts, async () => {
  const c = new TestCluster(5);
  for (let i = 0; i < 4; i++) c.add();
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 4), 30_000, 200));
  const isolated = c.nodes[3]!;
  // Nothing reaches the isolated node over UDP; its TCP listener still answers.
  for (const n of c.nodes) if (n !== isolated) c.network.blockUdp(n.addr, isolated.addr);
  await c.clock.advance(60_000);
  for (const n of c.nodes) {
    if (n === isolated) continue;
    assert.notEqual(c.stateOf(n, isolated.name), NodeState.dead, `${n.name} marked it dead`);
  }
  const warned = c.nodes.some((n) =>
    n.logs.some((l) =>
      l.endsWith(
        `[WARN] memberlist: Was able to connect to ${isolated.name} but other probes failed, network may be misconfigured`,
      )
    )
  );
  assert.ok(warned, "no UDP-blocked warning was logged");
  await c.shutdown();
});

Deno.test("Memberlist: encrypted cluster works and a node with the wrong key cannot join", opts, async () => {
  const key = new Uint8Array(16).fill(7);
  const c = new TestCluster(9);
  for (let i = 0; i < 3; i++) c.add({ keyring: new Keyring([key], key) });
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 3), 30_000, 200));
  const wrong = new Uint8Array(32).fill(9);
  const intruder = c.add({ keyring: new Keyring([wrong], wrong) });
  const p = intruder.m.join([c.nodes[0]!.address]);
  let failed = false;
  p.catch(() => (failed = true));
  await c.clock.advance(15_000);
  assert.ok(failed, "join with the wrong key should fail");
  assert.equal(intruder.m.numMembers(), 1);
  for (const n of c.nodes.slice(0, 3)) assert.equal(n.m.numMembers(), 3);
  const plain = c.add();
  const q = plain.m.join([c.nodes[0]!.address]);
  let plainFailed = false;
  q.catch(() => (plainFailed = true));
  await c.clock.advance(15_000);
  assert.ok(plainFailed, "join without a key should fail");
  await c.shutdown();
});

Deno.test("Memberlist: graceful leave is seen as left, not dead", opts, async () => {
  const c = new TestCluster(13);
  for (let i = 0; i < 4; i++) c.add();
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 4), 30_000, 200));
  const leaver = c.nodes[1]!;
  const p = leaver.m.leave(5_000);
  await c.clock.advance(5_000);
  await p;
  assert.ok(
    await c.clock.advanceUntil(
      () => c.nodes.every((n) => n === leaver || c.stateOf(n, leaver.name) === NodeState.left),
      10_000,
      100,
    ),
  );
  await c.shutdown();
});
