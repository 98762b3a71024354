/**
 * memberlist's state machine on virtual time, driven only through the public
 * surface: clusters on the memory network (tests/memberlist/_cluster.ts), hand-made
 * messages sent from a stranger's socket (lib/memberlist/wire.ts), and what the
 * nodes report (allNodes, healthScore, logs, delegates). Covers refutation,
 * address conflicts and dead-node reclaim, verifyProtocol on join, mergeState
 * on push/pull, and Lifeguard's nack-driven awareness.
 */
import assert from "node:assert/strict";
import { NodeState } from "../../lib/memberlist/messages.ts";
import type { Node } from "../../lib/memberlist/node.ts";
import { encodeMessage } from "../../lib/memberlist/wire.ts";
import type { MemberlistConfig } from "../../lib/memberlist/config.ts";
import { TestCluster, type TestNode } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROGUE = { host: "127.0.0.9", port: 7999 };
const ROGUE_IP = Uint8Array.of(127, 0, 0, 9);

async function formed(
  seed: number,
  configs: Partial<MemberlistConfig>[],
  latencyMs = 1,
): Promise<TestCluster> {
  const c = new TestCluster(seed, { latencyMs });
  for (const cfg of configs) c.add(cfg);
  await c.joinAll();
  assert.ok(
    await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === configs.length), 30_000, 100),
    "cluster formed",
  );
  return c;
}

function record(viewer: TestNode, name: string) {
  return viewer.m.allNodes().find((n) => n.name === name);
}

function vsnOf(n: Node): number[] {
  return [n.pMin, n.pMax, n.pCur, n.dMin, n.dMax, n.dCur];
}

Deno.test(
  "Memberlist refutes a suspect and a dead message about itself with a higher incarnation",
  opts,
  async () => {
    const c = await formed(21, [{}, {}, {}]);
    const rogue = c.network.listen(ROGUE);
    const target = c.nodes[1]!;
    for (const type of ["suspect", "dead"] as const) {
      const before = record(target, target.name)!.incarnation;
      rogue.sendPacket(
        encodeMessage({ type, incarnation: before, node: target.name, from: "rogue" }),
        target.addr,
      );
      const refuted = await c.clock.advanceUntil(
        () =>
          c.nodes.every((n) => {
            const r = record(n, target.name);
            return r !== undefined && r.incarnation > before && r.state === NodeState.alive;
          }),
        10_000,
        50,
      );
      assert.ok(refuted, `${type}: everyone sees the target alive with a newer incarnation`);
      assert.ok(target.logs.some((l) => l.includes(`Refuting a ${type} message (from: rogue)`)), type);
    }
    for (const n of c.nodes) assert.deepEqual(n.events.filter((e) => e.type === "leave"), []);
    await rogue.close();
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist keeps a live node's address when another claims its name, and tells the conflict delegate",
  opts,
  async () => {
    const conflicts: [Node, Node][] = [];
    const c = await formed(22, [{ conflict: { notifyConflict: (a, b) => conflicts.push([a, b]) } }, {}]);
    const [a, b] = c.nodes as [TestNode, TestNode];
    const rogue = c.network.listen(ROGUE);
    const real = record(a, b.name)!;
    rogue.sendPacket(
      encodeMessage({
        type: "alive",
        incarnation: real.incarnation + 5,
        node: b.name,
        addr: ROGUE_IP,
        port: ROGUE.port,
        meta: new Uint8Array(),
        vsn: vsnOf(real),
      }),
      a.addr,
    );
    await c.clock.advance(50);
    assert.ok(
      a.logs.some((l) => l.includes(`Conflicting address for ${b.name}. Mine: 127.0.0.1:${b.addr.port}`)),
    );
    assert.equal(conflicts.length, 1);
    assert.deepEqual([conflicts[0]![0].name, conflicts[0]![0].port], [b.name, b.addr.port]);
    assert.deepEqual([conflicts[0]![1].addr, conflicts[0]![1].port], [ROGUE_IP, ROGUE.port]);
    const after = record(a, b.name)!;
    assert.deepEqual([after.port, after.incarnation, after.state], [
      b.addr.port,
      real.incarnation,
      NodeState.alive,
    ]);
    await rogue.close();
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist lets a dead node's name move to a new address only after deadNodeReclaimTimeMs",
  opts,
  async () => {
    const c = await formed(23, [{ deadNodeReclaimTimeMs: 20_000 }, {}, {}]);
    const [a, b] = c.nodes as [TestNode, TestNode];
    c.network.kill(b.addr);
    assert.ok(
      await c.clock.advanceUntil(() => record(a, b.name)?.state === NodeState.dead, 60_000, 100),
      "b declared dead",
    );
    const rogue = c.network.listen(ROGUE);
    const claim = () =>
      rogue.sendPacket(
        encodeMessage({
          type: "alive",
          incarnation: 1,
          node: b.name,
          addr: ROGUE_IP,
          port: ROGUE.port,
          meta: new Uint8Array(),
          vsn: vsnOf(record(a, b.name)!),
        }),
        a.addr,
      );
    claim();
    await c.clock.advance(50);
    assert.ok(a.logs.some((l) => l.includes(`Conflicting address for ${b.name}`)), "too early: a conflict");
    assert.deepEqual([record(a, b.name)!.port, record(a, b.name)!.state], [b.addr.port, NodeState.dead]);

    await c.clock.advance(20_000);
    claim();
    await c.clock.advance(50);
    assert.ok(
      a.logs.some((l) =>
        l.includes(
          `Updating address for left or failed node ${b.name} from 127.0.0.1:${b.addr.port} to 127.0.0.9:7999`,
        )
      ),
    );
    const moved = record(a, b.name)!;
    assert.deepEqual([moved.addr, moved.port, moved.state], [ROGUE_IP, ROGUE.port, NodeState.alive]);
    await rogue.close();
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist join verifies protocol ranges: an incompatible delegate version is refused",
  opts,
  async () => {
    const c = new TestCluster(24);
    const a = c.add({ delegateProtocolMin: 1, delegateProtocolMax: 2, delegateProtocolVersion: 2 });
    const ok = c.add({ delegateProtocolMin: 2, delegateProtocolMax: 4, delegateProtocolVersion: 2 });
    const bad = c.add({ delegateProtocolMin: 3, delegateProtocolMax: 4, delegateProtocolVersion: 3 });
    const joined = ok.m.join([a.address]);
    await c.clock.advanceUntil(() => ok.m.numMembers() === 2, 5_000, 10);
    assert.equal(await joined, 1);

    const refused = bad.m.join([a.address]);
    refused.catch(() => {});
    let outcome: unknown;
    refused.then((n) => outcome = n, (err) => outcome = err);
    await c.clock.advanceUntil(() => outcome !== undefined, 10_000, 10);
    assert.ok(outcome instanceof Error, `join should fail, got ${outcome}`);
    assert.match(
      (outcome as Error).message,
      /Node '(node-0|node-1)' delegate protocol version \(2\) is incompatible: \[3, 2\]|delegate protocol version \(3\) is incompatible: \[2, 2\]/,
    );
    await c.clock.advance(5_000);
    assert.equal(
      record(a, bad.name)?.state === NodeState.alive,
      false,
      "a never lists the incompatible node as alive",
    );
    assert.deepEqual(bad.m.members().map((n) => n.name), [bad.name]);
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist mergeState on join adopts alive peers but not the dead it never knew",
  opts,
  async () => {
    const c = await formed(25, [{}, {}, {}]);
    const [a, , gone] = c.nodes as [TestNode, TestNode, TestNode];
    c.network.kill(gone.addr);
    assert.ok(await c.clock.advanceUntil(() => record(a, gone.name)?.state === NodeState.dead, 60_000, 100));
    const late = c.add();
    const joined = late.m.join([a.address]);
    await c.clock.advanceUntil(() => late.m.numMembers() === 3, 5_000, 10);
    assert.equal(await joined, 1);
    await c.clock.advance(2_000);
    // Serf's memberlist turns remote dead/left into a suspicion of a node it knows; an unknown one is ignored.
    assert.deepEqual(late.m.allNodes().map((n) => n.name).sort(), ["node-0", "node-1", "node-3"]);
    assert.ok(late.m.allNodes().every((n) => n.state === NodeState.alive));
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist awareness: nacks from helpers keep the prober healthy, silence raises its score",
  opts,
  async () => {
    // Helpers send a nack one probe timeout after the indirect ping, which itself leaves one probe timeout
    // into the round: with LAN's 500 ms of a 1 s round the nacks land just after the round ends (in
    // memberlist too), so use the local profile's 200 ms.
    const fast = { probeTimeoutMs: 200 };
    // No TCP fallback on a, or a TCP ping to a helper would rescue the probes once UDP is cut.
    // 20 ms links: a failed probe's score lasts until the next probe's ack, 40 ms later, long enough to see.
    const c = await formed(26, [{ ...fast, disableTcpPings: true }, fast, fast, fast], 20);
    const [a, h1, h2, t] = c.nodes as [TestNode, TestNode, TestNode, TestNode];
    // t dies: a's probes of t fail, but h1 and h2 answer the indirect probes with nacks.
    c.network.kill(t.addr);
    let worst = 0;
    const deadToA = await c.clock.advanceUntil(
      () => {
        worst = Math.max(worst, a.m.healthScore);
        return a.logs.some((l) => l.includes(`Suspect ${t.name} has failed, no acks received`));
      },
      60_000,
      5,
    );
    assert.ok(deadToA, "a's own probe of t failed");
    assert.equal(worst, 0, "failed probes answered by nacks do not count against the prober");

    // Now a hears nothing from its helpers (their packets to a are dropped): no acks, no nacks.
    c.network.blockUdp(h1.addr, a.addr);
    c.network.blockUdp(h2.addr, a.addr);
    assert.ok(await c.clock.advanceUntil(() => a.m.healthScore > 0, 30_000, 5), "silence raises the score");
    await c.shutdown();
  },
);
