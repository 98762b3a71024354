import assert from "node:assert/strict";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import { encodeMessage, makeCompoundMessage } from "../../lib/memberlist/wire.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { TestCluster } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function snapshot(c: TestCluster) {
  return c.nodes.map((n) =>
    JSON.stringify(n.m.allNodes().map((x) => [x.name, x.state, x.incarnation]).sort())
  );
}

Deno.test(
  "Memberlist drops garbage packets, counts them, logs rate-limited, and keeps working",
  opts,
  async () => {
    const c = new TestCluster(31);
    for (let i = 0; i < 3; i++) c.add();
    await c.joinAll();
    assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 3), 20_000, 100));
    const target = c.nodes[0]!;
    const attacker = c.network.listen({ host: "127.0.0.9", port: 9999 });
    const rng = new SeededRandom(5);
    const valid = encodeMessage({
      type: "alive",
      incarnation: 99,
      node: "ghost",
      addr: new Uint8Array([127, 0, 0, 9]),
      port: 1,
      meta: new Uint8Array(),
      vsn: [1, 5, 2, 0, 0, 0],
    });
    const garbage: Uint8Array[] = [
      new Uint8Array(),
      new Uint8Array([200]), // unknown message type
      new Uint8Array([13, 0x80]), // errMsg is not a packet message
      valid.subarray(0, valid.length - 3), // truncated alive
      new Uint8Array([12, 0, 0, 0, 0, ...valid]), // CRC mismatch
      new Uint8Array([9, 0xc1]), // compress with an invalid body
      new Uint8Array([7, 255, 0, 5]), // compound claiming 255 parts
      new Uint8Array([4, 0x81, 0xa4, 0x4e, 0x6f, 0x64, 0x65, 0x05]), // alive with Node as an int
    ];
    for (let i = 0; i < 500; i++) {
      const len = 1 + Math.floor(rng.next() * 64);
      garbage.push(Uint8Array.from({ length: len }, () => Math.floor(rng.next() * 256)));
    }
    const before = snapshot(c);
    const dropsBefore = target.m.stats.droppedBadInput;
    const logBefore = target.logs.length;
    for (const g of garbage) attacker.sendPacket(g, target.addr);
    await c.clock.advance(50);
    assert.ok(
      target.m.stats.droppedBadInput - dropsBefore >= 400,
      `dropped ${target.m.stats.droppedBadInput}`,
    );
    assert.deepEqual(snapshot(c).slice(0, 1), before.slice(0, 1));
    const warnLines = target.logs.slice(logBefore).filter((l) => l.includes("from=127.0.0.9:9999"));
    assert.ok(warnLines.length >= 1 && warnLines.length <= 3, `rate limit: ${warnLines.length} lines`);
    // Still converged and probing normally afterwards.
    await c.clock.advance(5_000);
    for (const n of c.nodes) assert.equal(n.m.numMembers(), 3);
    for (const n of c.nodes) assert.equal(n.events.filter((e) => e.type === "leave").length, 0);
    await attacker.close();
    await c.shutdown();
  },
);

Deno.test("Memberlist survives garbage streams and keeps serving push/pull", opts, async () => {
  const c = new TestCluster(32);
  for (let i = 0; i < 2; i++) c.add();
  await c.joinAll();
  const target = c.nodes[0]!;
  const attacker = c.network.listen({ host: "127.0.0.9", port: 9998 });
  const payloads = [
    new Uint8Array([6, 0x83]), // push/pull header cut short
    new Uint8Array([10, 0xff, 0xff, 0xff, 0xff]), // encrypted with an absurd length
    new Uint8Array([250, 1, 2, 3]),
    new Uint8Array([6, 0x83, 0xa5, 0x4e, 0x6f, 0x64, 0x65, 0x73, 0xce, 0x7f, 0xff, 0xff, 0xff]),
  ];
  for (const p of payloads) {
    const s = await (async () => {
      const d = attacker.dial(target.addr, 1_000);
      await c.clock.advance(10);
      return await d;
    })();
    await s.write(p);
    s.close();
    await c.clock.advance(20);
  }
  await c.clock.advance(11_000); // past the stream deadline
  assert.ok(target.m.stats.droppedBadInput >= 3, `dropped ${target.m.stats.droppedBadInput}`);
  const late = c.add();
  const j = late.m.join([target.address]);
  await c.clock.advance(1_000);
  assert.equal(await j, 1);
  assert.ok(await c.clock.advanceUntil(() => c.nodes.every((n) => n.m.numMembers() === 3), 20_000, 100));
  await attacker.close();
  await c.shutdown();
});

Deno.test("Memberlist refuses oversized metadata and user messages at the API", opts, async () => {
  const c = new TestCluster(33);
  const big = new Uint8Array(513);
  assert.throws(
    () =>
      c.add({
        delegate: {
          nodeMeta: () => big,
          notifyMsg: () => {},
          getBroadcasts: () => [],
          localState: () => new Uint8Array(),
          mergeRemoteState: () => {},
        },
      }),
    /metadata: limit is 512 bytes: current size is 513/,
  );
  const a = c.add();
  assert.throws(() => a.m.sendBestEffort(a.m.localNode(), new Uint8Array(70_000)), /limit is 65000 bytes/);
  await c.shutdown();
});

Deno.test("Memberlist with a keyring drops packets encrypted with another key", opts, async () => {
  const key = new Uint8Array(16).fill(1);
  const c = new TestCluster(34);
  const a = c.add({ keyring: new Keyring([key], key) });
  const attacker = c.network.listen({ host: "127.0.0.9", port: 9997 });
  const { encryptPayload } = await import("../../lib/memberlist/security.ts");
  const ping = encodeMessage({ type: "ping", seqNo: 1, node: a.name });
  const wrong = encryptPayload(1, new Uint8Array(16).fill(2), makeCompoundMessage([ping]));
  attacker.sendPacket(wrong, a.addr);
  attacker.sendPacket(ping, a.addr); // plaintext while verification is on
  await c.clock.advance(10);
  assert.equal(a.m.stats.droppedBadInput, 2);
  assert.equal(a.m.allNodes().find((n) => n.name === a.name)?.state, NodeState.alive);
  await attacker.close();
  await c.shutdown();
});

Deno.test(
  "Memberlist ignores alive messages whose address is not 4 or 16 bytes (found by fuzzing)",
  opts,
  async () => {
    const c = new TestCluster(35);
    const a = c.add();
    c.add();
    await c.joinAll();
    const attacker = c.network.listen({ host: "127.0.0.9", port: 9996 });
    for (const [name, addr] of [["empty", []], ["three", [1, 2, 3]]] as const) {
      attacker.sendPacket(
        encodeMessage({
          type: "alive",
          incarnation: 1,
          node: name,
          addr: Uint8Array.from(addr),
          port: 7,
          meta: new Uint8Array(),
          vsn: [1, 5, 2, 0, 0, 0],
        }),
        a.addr,
      );
    }
    await c.clock.advance(30_000);
    assert.deepEqual(a.m.allNodes().map((n) => n.name).sort(), ["node-0", "node-1"]);
    assert.ok(a.logs.some((l) => l.includes("address must be 4 or 16 bytes: current length is 3")));
    // Before the fix such a node stayed alive and every probe and gossip round that picked it threw.
    assert.deepEqual(a.logs.filter((l) => l.includes("[ERR]")), []);
    await attacker.close();
    await c.shutdown();
  },
);

Deno.test(
  "Memberlist drops an indirect ping with a bad target address as bad input (found by fuzzing)",
  opts,
  async () => {
    const c = new TestCluster(36);
    const a = c.add();
    const attacker = c.network.listen({ host: "127.0.0.9", port: 9995 });
    const ping = (target: number[], sourceAddr: number[]) =>
      encodeMessage({
        type: "indirectPing",
        seqNo: 1,
        target: Uint8Array.from(target),
        port: 7,
        node: "x",
        nack: true,
        sourceAddr: Uint8Array.from(sourceAddr),
        sourcePort: 9995,
        sourceNode: "",
      });
    attacker.sendPacket(ping([], [127, 0, 0, 9]), a.addr);
    attacker.sendPacket(ping([127, 0, 0, 8], [1, 2]), a.addr);
    await c.clock.advance(1_000);
    assert.equal(a.m.stats.droppedBadInput, 2);
    assert.deepEqual(a.logs.filter((l) => l.includes("[ERR]")), []);
    assert.ok(a.logs.some((l) => l.includes("Cannot use indirect ping target address")));
    await attacker.close();
    await c.shutdown();
  },
);
