/**
 * TCP-only mode at the memberlist layer, on the memory network: nodes whose
 * every datagram is dropped still join, detect a killed node, spread their own
 * state changes and deliver user messages, and never send a datagram
 * themselves; a default-mode node sees a TCP-only one through its TCP
 * fallback probe.
 */
import assert from "node:assert/strict";
import type { Delegate } from "../../lib/memberlist/delegate.ts";
import { MAX_TCP_ONLY_USER_STREAMS } from "../../lib/memberlist/tcp_only.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { engineOf } from "../../lib/memberlist/memberlist.ts";
import { TestCluster, type TestNode } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const text = (s: string) => new TextEncoder().encode(s);

/** Long enough that nothing below can be explained by a periodic push/pull. */
const PUSH_PULL_MS = 120_000;

/** A delegate that records the user messages it receives and gossips what `queue` holds. */
function recordingDelegate(received: string[], queue: Uint8Array[] = []): Delegate {
  return {
    nodeMeta: () => new Uint8Array(),
    notifyMsg: (buf) => received.push(new TextDecoder().decode(buf)),
    getBroadcasts: () => queue.splice(0),
    pendingBroadcasts: () => queue.length,
    localState: () => new Uint8Array(),
    mergeRemoteState: () => {},
  };
}

function blockAllUdp(c: TestCluster): void {
  for (const a of c.nodes) for (const b of c.nodes) if (a !== b) c.network.blockUdp(a.addr, b.addr);
}

function allSee(c: TestCluster, nodes: TestNode[], n: number): Promise<boolean> {
  return c.clock.advanceUntil(() => nodes.every((x) => x.m.numMembers() === n), 10_000, 50);
}

Deno.test(
  "Memberlist tcpOnly: nodes with UDP blocked join, and detect a killed node by TCP ping",
  opts,
  async () => {
    const c = new TestCluster(61);
    for (let i = 0; i < 3; i++) c.add({ tcpOnly: true, pushPullIntervalMs: PUSH_PULL_MS });
    blockAllUdp(c);
    try {
      await c.joinAll();
      assert.ok(await allSee(c, c.nodes, 3), "the joined state did not spread");
      const victim = c.nodes[2]!;
      c.network.kill(victim.addr);
      const survivors = c.nodes.slice(0, 2);
      const dead = await c.clock.advanceUntil(
        () => survivors.every((n) => c.stateOf(n, victim.name) === NodeState.dead),
        60_000,
        100,
      );
      assert.ok(dead, `states: ${survivors.map((n) => c.stateOf(n, victim.name)).join(",")}`);
      for (const n of survivors) {
        assert.deepEqual(n.events.filter((e) => e.type === "leave").map((e) => e.node), [victim.name]);
        assert.equal(n.m.stats.packetsSent, 0, `${n.name} sent a datagram`);
      }
    } finally {
      await c.shutdown();
    }
  },
);

Deno.test(
  "Memberlist tcpOnly: a graceful leave reaches the others by push/pull within gossip time",
  opts,
  async () => {
    const c = new TestCluster(62);
    for (let i = 0; i < 3; i++) c.add({ tcpOnly: true, pushPullIntervalMs: PUSH_PULL_MS });
    blockAllUdp(c);
    try {
      await c.joinAll();
      assert.ok(await allSee(c, c.nodes, 3));
      const leaver = c.nodes[1]!;
      let left = false;
      leaver.m.leave(5_000).then(() => (left = true));
      assert.ok(await c.clock.advanceUntil(() => left, 5_000, 10), "leave broadcast never counted as sent");
      const others = [c.nodes[0]!, c.nodes[2]!];
      assert.ok(
        await c.clock.advanceUntil(
          () => others.every((n) => c.stateOf(n, leaver.name) === NodeState.left),
          3_000,
          10,
        ),
        `states: ${others.map((n) => c.stateOf(n, leaver.name)).join(",")}`,
      );
    } finally {
      await c.shutdown();
    }
  },
);

Deno.test(
  "Memberlist tcpOnly: gossiped and direct user messages travel as userMsg streams",
  opts,
  async () => {
    const c = new TestCluster(63);
    const got: string[][] = [[], [], []];
    const queue: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      c.add({
        tcpOnly: true,
        pushPullIntervalMs: PUSH_PULL_MS,
        gossipNodes: 2,
        delegate: recordingDelegate(got[i]!, i === 0 ? queue : []),
      });
    }
    blockAllUdp(c);
    try {
      await c.joinAll();
      assert.ok(await allSee(c, c.nodes, 3));
      queue.push(text("one"), text("two"));
      c.nodes[0]!.m.wakeGossip();
      assert.ok(
        await c.clock.advanceUntil(() => got[1]!.length + got[2]!.length === 2, 1_000, 10),
        `received: ${JSON.stringify(got)}`,
      );
      assert.deepEqual([...got[1]!, ...got[2]!].sort(), ["one", "two"]);
      const target = c.nodes[1]!.m.localNode();
      c.nodes[0]!.m.sendBestEffort(target, text("direct"));
      c.nodes[0]!.m.sendToAddress(c.nodes[1]!.addr, text("to address"));
      assert.ok(await c.clock.advanceUntil(() => got[1]!.includes("to address"), 1_000, 10));
      assert.ok(got[1]!.includes("direct"));
      assert.equal(c.nodes[0]!.m.stats.packetsSent, 0);
    } finally {
      await c.shutdown();
    }
  },
);

Deno.test("Memberlist tcpOnly: user-message streams are bounded; the excess is dropped", opts, async () => {
  const c = new TestCluster(64);
  const a = c.add({ tcpOnly: true });
  // A peer that drops every packet to the dialled port: dials hang until their timeout.
  const silent = { host: "127.0.0.1", port: 7999 };
  c.network.partition([a.addr], [silent]);
  try {
    for (let i = 0; i < MAX_TCP_ONLY_USER_STREAMS + 5; i++) a.m.sendToAddress(silent, text(`m${i}`));
    const e = engineOf(a.m);
    assert.equal(e.outboundStreams.user, MAX_TCP_ONLY_USER_STREAMS);
    assert.ok(a.logs.some((l) => l.includes("streams already open")));
    assert.equal(
      a.m.stats.userMessagesDropped,
      5,
      "each message over the bound is counted (serfts_dropped_messages_total)",
    );
    await c.clock.advance(2_000); // past the dial timeout (a probe interval)
    assert.equal(e.outboundStreams.user, 0, "a dial outlived its timeout");
  } finally {
    await c.shutdown();
  }
});

Deno.test(
  "Memberlist: a default-mode node reaches a tcpOnly one through its TCP fallback",
  opts,
  async () => {
    const c = new TestCluster(65);
    const normal = c.add({ pushPullIntervalMs: PUSH_PULL_MS });
    const tcp = c.add({ tcpOnly: true, pushPullIntervalMs: PUSH_PULL_MS });
    blockAllUdp(c);
    try {
      await c.joinAll();
      assert.ok(await allSee(c, c.nodes, 2));
      await c.clock.advance(10_000);
      assert.equal(c.stateOf(normal, tcp.name), NodeState.alive);
      assert.equal(c.stateOf(tcp, normal.name), NodeState.alive);
      assert.ok(normal.m.stats.tcpFallbackSuccesses > 0);
      assert.ok(
        normal.logs.some((l) => l.includes(`Was able to connect to ${tcp.name} but other probes failed`)),
      );
      assert.equal(tcp.m.stats.packetsSent, 0);
    } finally {
      await c.shutdown();
    }
  },
);
