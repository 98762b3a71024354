/**
 * TCP-only mode at the Serf layer, on the memory network with every datagram
 * between the nodes dropped: user events, queries, leaves and failures travel
 * over streams, within gossip time rather than at the next push/pull.
 */
import assert from "node:assert/strict";
import { distanceTo } from "../../lib/coordinate/coordinate.ts";
import { engineOf } from "../../lib/memberlist/memberlist.ts";
import { serfCoreOf } from "../../lib/serf/serf.ts";
import type { MemberEvent, UserEvent } from "../../lib/serf/types.ts";
import { SerfCluster, type TestSerf } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** Far beyond every gossip-time bound below: what arrives in time did not wait for push/pull. */
const PUSH_PULL_MS = 60_000;

async function udpBlockedCluster(seed: number, names: string[], tcpOnly: boolean): Promise<SerfCluster> {
  const c = new SerfCluster(seed);
  for (const name of names) {
    await c.add(name, {
      reconnectTimeoutMs: 120_000,
      memberlist: { tcpOnly, pushPullIntervalMs: PUSH_PULL_MS },
    });
  }
  for (const a of c.nodes) for (const b of c.nodes) if (a !== b) c.network.blockUdp(a.addr, b.addr);
  await c.joinAll();
  return c;
}

function userEvents(n: TestSerf, name: string): UserEvent[] {
  return n.events.filter((e): e is UserEvent => e.type === "user" && e.name === name);
}

Deno.test(
  "Serf tcpOnly: a user event reaches every node within gossip time with UDP blocked",
  opts,
  async () => {
    const c = await udpBlockedCluster(41, ["a", "b", "c"], true);
    try {
      assert.ok(await c.converge(3, 10_000), "members did not converge over push/pull and TCP");
      const sentAt = c.clock.now();
      c.nodes[0]!.serf.userEvent("deploy", text("v7"), false);
      const arrived = await c.clock.advanceUntil(
        () => c.nodes.every((n) => userEvents(n, "deploy").length > 0),
        1_000,
        10,
      );
      assert.ok(arrived, `user event not delivered within 1 s of virtual time (sent at ${sentAt})`);
      await c.clock.advance(5_000);
      for (const n of c.nodes) {
        const evs = userEvents(n, "deploy");
        assert.equal(evs.length, 1, `${n.name} got ${evs.length}`);
        assert.equal(str(evs[0]!.payload), "v7");
      }
      for (const n of c.nodes) assert.equal(engineOf(serfCoreOf(n.serf).memberlist).stats.packetsSent, 0);
    } finally {
      await c.shutdown();
    }
  },
);

Deno.test("Serf default mode: with UDP blocked the same event waits for push/pull", opts, async () => {
  const c = await udpBlockedCluster(41, ["a", "b", "c"], false);
  try {
    c.nodes[0]!.serf.userEvent("deploy", text("v7"), false);
    const arrived = await c.clock.advanceUntil(
      () => c.nodes.every((n) => userEvents(n, "deploy").length > 0),
      1_000,
      10,
    );
    assert.equal(arrived, false, "without tcpOnly, UDP gossip should have been lost");
  } finally {
    await c.shutdown();
  }
});

Deno.test("Serf tcpOnly: query acks and responses come back over TCP", opts, async () => {
  const c = await udpBlockedCluster(42, ["a", "b", "c"], true);
  try {
    assert.ok(await c.converge(3, 10_000));
    const resp = c.nodes[0]!.serf.query("who", text(""), { requestAck: true, timeoutMs: 3_000 });
    const acks: string[] = [];
    const responses: string[] = [];
    (async () => {
      for await (const a of resp.acks!) acks.push(a);
    })();
    (async () => {
      for await (const r of resp.responses) responses.push(`${r.from}:${str(r.payload)}`);
    })();
    const answered = new Set<unknown>();
    for (let i = 0; i < 40 && !resp.finished(); i++) {
      for (const n of c.nodes) {
        for (const e of n.events) {
          if (e.type !== "query" || answered.has(e)) continue;
          answered.add(e);
          e.respond(text(`it is ${n.name}`));
        }
      }
      await c.clock.advance(100);
    }
    assert.deepEqual(acks.sort(), ["a", "b", "c"]);
    assert.deepEqual(responses.sort(), ["a:it is a", "b:it is b", "c:it is c"]);
  } finally {
    await c.shutdown();
  }
});

Deno.test(
  "Serf tcpOnly: a leave shows as left and a killed node as failed, before any push/pull",
  opts,
  async () => {
    const c = await udpBlockedCluster(43, ["a", "b", "c"], true);
    try {
      assert.ok(await c.converge(3, 10_000));
      const start = c.clock.now();
      await c.run(c.nodes[1]!.serf.leave(), 10_000);
      assert.ok(await c.clock.advanceUntil(() => c.statusOf(c.nodes[0]!, "b") === "left", 5_000, 50));
      await c.run(c.nodes[1]!.serf.shutdown(), 5_000);
      c.network.kill(c.nodes[2]!.addr);
      assert.ok(
        await c.clock.advanceUntil(() => c.statusOf(c.nodes[0]!, "c") === "failed", 30_000, 100),
        "killed node was not detected by TCP probes",
      );
      assert.ok(c.clock.now() - start < PUSH_PULL_MS, "detection should not have needed a push/pull");
      const types = c.nodes[0]!.events.filter((e) => e.type.startsWith("member-")).map((e) =>
        `${e.type}:${(e as MemberEvent).members[0]!.name}`
      );
      assert.ok(types.includes("member-leave:b"), types.join(","));
      assert.ok(types.includes("member-failed:c"), types.join(","));
    } finally {
      await c.shutdown();
    }
  },
);

Deno.test(
  "Serf tcpOnly: TCP pings carry coordinates, so rtt estimates work with UDP blocked",
  opts,
  async () => {
    // 10 ms each way on every link: a 20 ms round trip for Vivaldi to find.
    const c = new SerfCluster(47, () => 10);
    for (const name of ["a", "b", "c"]) {
      await c.add(name, { memberlist: { tcpOnly: true, pushPullIntervalMs: PUSH_PULL_MS } });
    }
    for (const x of c.nodes) for (const y of c.nodes) if (x !== y) c.network.blockUdp(x.addr, y.addr);
    try {
      await c.joinAll();
      assert.ok(await c.converge(3, 10_000));
      await c.clock.advance(60_000);
      for (const x of c.nodes) {
        const own = x.serf.getCoordinate()!;
        assert.ok(own.error < 1.0, `${x.name}'s coordinate never learned: error ${own.error}`);
        for (const y of c.nodes) {
          if (x === y) continue;
          const theirs = x.serf.getCachedCoordinate(y.name);
          assert.ok(theirs, `${x.name} has no coordinate for ${y.name}`);
          const rttMs = distanceTo(own, theirs) * 1000;
          assert.ok(
            rttMs > 10 && rttMs < 40,
            `${x.name} → ${y.name} estimated ${rttMs.toFixed(1)} ms, not about 20`,
          );
        }
      }
    } finally {
      await c.shutdown();
    }
  },
);
