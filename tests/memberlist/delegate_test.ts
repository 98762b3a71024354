import assert from "node:assert/strict";
import type { Delegate } from "../../lib/memberlist/delegate.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import { TestCluster } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function recordingDelegate(name: string, meta: { value: string }) {
  const got = { msgs: [] as string[], states: [] as { state: string; join: boolean }[] };
  const queued: Uint8Array[] = [];
  const delegate: Delegate = {
    nodeMeta: () => text(meta.value),
    notifyMsg: (m) => got.msgs.push(str(m)),
    getBroadcasts: (_overhead, limit) => {
      const out: Uint8Array[] = [];
      let used = 0;
      while (queued.length > 0 && used + queued[0]!.length + 3 <= limit) {
        const b = queued.shift()!;
        used += b.length + 3;
        out.push(b);
      }
      return out;
    },
    localState: (join) => text(`${name}-state-${join}`),
    mergeRemoteState: (buf, join) => got.states.push({ state: str(buf), join }),
  };
  return { delegate, got, queued };
}

Deno.test(
  "Memberlist delegate: user messages, broadcasts, push/pull state and metadata updates",
  opts,
  async () => {
    const c = new TestCluster(41);
    const metaA = { value: "role=a" };
    const a = recordingDelegate("a", metaA);
    const b = recordingDelegate("b", { value: "role=b" });
    const na = c.add({ name: "a", delegate: a.delegate });
    const nb = c.add({ name: "b", delegate: b.delegate });
    await c.joinAll();
    assert.ok(
      await c.clock.advanceUntil(() => na.m.numMembers() === 2 && nb.m.numMembers() === 2, 10_000, 50),
    );
    // The join exchanged delegate state both ways, flagged as a join.
    assert.deepEqual(a.got.states, [{ state: "b-state-true", join: true }]);
    assert.deepEqual(b.got.states, [{ state: "a-state-true", join: true }]);
    assert.equal(str(nb.m.members().find((n) => n.name === "a")!.meta), "role=a");

    const bNode = na.m.members().find((n) => n.name === "b")!;
    na.m.sendBestEffort(bNode, text("over udp"));
    const reliable = na.m.sendReliable(bNode, text("over tcp"));
    await c.clock.advance(100);
    await reliable;
    a.queued.push(text("piggyback"));
    assert.ok(await c.clock.advanceUntil(() => b.got.msgs.includes("piggyback"), 5_000, 50));
    assert.ok(b.got.msgs.includes("over udp") && b.got.msgs.includes("over tcp"), b.got.msgs.join(","));

    metaA.value = "role=a2";
    const upd = na.m.updateNode(5_000);
    assert.ok(
      await c.clock.advanceUntil(
        () => nb.events.some((e) => e.type === "update" && e.node === "a"),
        5_000,
        50,
      ),
    );
    await c.clock.advance(5_000);
    await upd;
    assert.equal(str(nb.m.members().find((n) => n.name === "a")!.meta), "role=a2");
    await c.shutdown();
  },
);

Deno.test("Memberlist ping delegate: ack payloads and round-trip times reach the prober", opts, async () => {
  const c = new TestCluster(42, { latencyMs: 5 });
  const seen: { node: string; rtt: number; payload: string }[] = [];
  const ping = (name: string) => ({
    ackPayload: () => text(`coord-of-${name}`),
    notifyPingComplete: (n: { name: string }, rtt: number, p: Uint8Array) =>
      seen.push({ node: n.name, rtt, payload: str(p) }),
  });
  c.add({ name: "a", ping: ping("a") });
  c.add({ name: "b", ping: ping("b") });
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => seen.length >= 4, 10_000, 100));
  for (const s of seen) {
    assert.equal(s.payload, `coord-of-${s.node}`);
    assert.equal(s.rtt, 10); // 5 ms each way on the simulated link
  }
  await c.shutdown();
});

Deno.test(
  "Memberlist merge and conflict delegates can veto a join and see name conflicts",
  opts,
  async () => {
    const c = new TestCluster(43);
    const conflicts: string[] = [];
    const a = c.add({
      name: "a",
      conflict: { notifyConflict: (e, o) => conflicts.push(`${e.name}:${o.port}`) },
    });
    const b = c.add({ name: "b", merge: { notifyMerge: () => "not in my cluster" } });
    const j = b.m.join([a.address]);
    let err = "";
    j.catch((e) => (err = String(e)));
    await c.clock.advance(100);
    assert.match(err, /not in my cluster/);
    // A second node claiming the name "a" from another address is a conflict for the first.
    const impostor = c.add({ name: "a" });
    const k = impostor.m.join([a.address]);
    await c.clock.advance(1_000);
    await k.catch(() => {});
    assert.ok(conflicts.length > 0, "conflict delegate not called");
    await c.shutdown();
  },
);

Deno.test("Memberlist labels: same label joins, another label is refused", opts, async () => {
  const c = new TestCluster(44);
  const a = c.add({ label: "blue" });
  const b = c.add({ label: "blue" });
  const r = c.add({ label: "red" });
  const j = b.m.join([a.address]);
  await c.clock.advance(100);
  assert.equal(await j, 1);
  const k = r.m.join([a.address]);
  let failed = false;
  k.catch(() => (failed = true));
  await c.clock.advance(2_000);
  assert.ok(failed);
  assert.ok(await c.clock.advanceUntil(() => a.m.numMembers() === 2, 5_000, 100));
  await c.shutdown();
});

Deno.test(
  "Memberlist encryption rollout: gossipVerifyIncoming=false accepts plaintext peers",
  opts,
  async () => {
    const key = new Uint8Array(24).fill(5);
    const c = new TestCluster(45);
    const enc = c.add({
      keyring: new Keyring([key], key),
      gossipVerifyIncoming: false,
      gossipVerifyOutgoing: false,
    });
    const plain = c.add();
    const j = plain.m.join([enc.address]);
    await c.clock.advance(100);
    assert.equal(await j, 1);
    assert.ok(
      await c.clock.advanceUntil(() => enc.m.numMembers() === 2 && plain.m.numMembers() === 2, 10_000, 100),
    );
    await c.clock.advance(10_000);
    assert.equal(enc.events.filter((e) => e.type === "leave").length, 0);
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist delegate: a packet's user message is the delegate's own buffer unless it borrows",
  opts,
  async () => {
    const c = new TestCluster(43);
    /** Node name -> whether the "hello" it was handed spans a buffer of its own. */
    const ownBuffer = new Map<string, boolean>();
    const record = (name: string) => (buf: Uint8Array) => {
      if (str(buf) === "hello") {
        ownBuffer.set(name, buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength);
      }
    };
    const lender = recordingDelegate("b", { value: "" }).delegate;
    const borrower = recordingDelegate("c", { value: "" }).delegate;
    const na = c.add({ name: "a" });
    c.add({ name: "b", delegate: { ...lender, notifyMsg: record("b") } });
    c.add({ name: "c", delegate: { ...borrower, notifyMsg: record("c"), borrowsMessages: true } });
    await c.joinAll();
    assert.ok(await c.clock.advanceUntil(() => na.m.numMembers() === 3, 10_000, 50));
    for (const name of ["b", "c"]) {
      na.m.sendBestEffort(na.m.members().find((n) => n.name === name)!, text("hello"));
    }
    assert.ok(await c.clock.advanceUntil(() => ownBuffer.size === 2, 5_000, 50));
    // The lender's copy is exactly the message; the borrower sees a view into the packet around it.
    assert.deepEqual(Object.fromEntries(ownBuffer), { b: true, c: false });
    await c.shutdown();
  },
);
