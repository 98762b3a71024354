import assert from "node:assert/strict";
import { SeededRandom } from "../../lib/util/random.ts";
import { encodeRelayMessage, encodeSerfMessage } from "../../lib/serf/messages.ts";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Serf drops undecodable and unknown messages, counts them, and keeps its state", opts, async () => {
  const c = new SerfCluster(21);
  const a = await c.add("a", { tags: { role: "x" } });
  const b = await c.add("b");
  await c.joinAll();
  assert.ok(await c.converge(2));
  const before = JSON.stringify(a.serf.allMembers());
  const target = b.serf.memberlist.members().find((n) => n.name === "a")!;
  const rng = new SeededRandom(3);
  const garbage: Uint8Array[] = [
    new Uint8Array([200, 1, 2]), // unknown type
    new Uint8Array([3]), // user event with no body
    new Uint8Array([4, 0xc1]), // query with an invalid body
    new Uint8Array([2, 0x80]), // push/pull as a plain message
    new Uint8Array([9, 0x80, 5]), // relay with an empty header
  ];
  for (let i = 0; i < 200; i++) {
    garbage.push(
      Uint8Array.from({ length: 1 + Math.floor(rng.next() * 40) }, () => Math.floor(rng.next() * 256)),
    );
  }
  for (const g of garbage) b.serf.memberlist.sendBestEffort(target, g);
  await c.clock.advance(100);
  assert.ok(a.serf.stats.droppedMessages >= 150, `dropped ${a.serf.stats.droppedMessages}`);
  assert.equal(JSON.stringify(a.serf.allMembers()), before);
  // Valid traffic still flows.
  b.serf.userEvent("still-works", new Uint8Array(), false);
  assert.ok(await c.clock.advanceUntil(() => a.events.some((e) => e.type === "user"), 5_000, 50));
  // An event far outside the buffer window is refused without effect.
  const old = encodeSerfMessage({
    type: "userEvent",
    lTime: 0,
    name: "ancient",
    payload: new Uint8Array(),
    cc: false,
  });
  for (let i = 0; i < 600; i++) b.serf.userEvent(`e${i}`, new Uint8Array(), false);
  await c.clock.advance(5_000);
  b.serf.memberlist.sendBestEffort(target, old);
  await c.clock.advance(100);
  assert.ok(!a.events.some((e) => e.type === "user" && e.name === "ancient"));
  await c.shutdown();
});

Deno.test(
  "Serf refuses a relay to an unusable address as bad input, not a bug (found by fuzzing)",
  opts,
  async () => {
    const c = new SerfCluster(22);
    const a = await c.add("a");
    const b = await c.add("b");
    await c.joinAll();
    assert.ok(await c.converge(2));
    const target = b.serf.memberlist.members().find((n) => n.name === "a")!;
    const inner = encodeSerfMessage({ type: "join", lTime: 1, node: "x" });
    for (
      const [destAddr, destPort] of [[new Uint8Array([10, 0, 0, 1]), 0], [new Uint8Array(2), 7946]] as const
    ) {
      b.serf.memberlist.sendBestEffort(
        target,
        encodeRelayMessage({ destAddr, destPort, destName: "x" }, inner),
      );
    }
    await c.clock.advance(100);
    const relayErrors = a.logs.filter((l) => l.includes("Error decoding relay header"));
    assert.equal(relayErrors.length, 2);
    assert.ok(
      relayErrors.every((l) => l.includes("Cannot use relay destination address") && !l.includes("Bug:")),
    );
    await c.shutdown();
  },
);
