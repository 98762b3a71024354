import assert from "node:assert/strict";
import { lzwCompress } from "../../lib/codec/lzw.ts";
import { encodeMsgpack, goStruct } from "../../lib/codec/msgpack.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import {
  checkPushPullHeader,
  checkUserMsgHeader,
  MAX_DECOMPRESSED_BYTES,
  MAX_PUSH_STATE_BYTES,
  MAX_PUSH_STATE_NODES,
  MAX_USER_MSG_BYTES,
  PUSH_STATE_WARN_BYTES,
} from "../../lib/memberlist/limits.ts";
import { MessageType, NodeState } from "../../lib/memberlist/messages.ts";
import {
  compressPayload,
  decompressPayload,
  encodeMessage,
  encodePushNodeState,
  encodePushPullHeader,
  encodeUserMsgHeader,
  LZW_ALGO,
} from "../../lib/memberlist/wire.ts";
import { MAX_PUSH_PULL_REQUESTS } from "../../lib/memberlist/stream.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { TestCluster, type TestNode } from "./_cluster.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

let nextAttackerPort = 9100;

/**
 * Writes `bytes` on a fresh stream to `target` from a fresh address (so the
 * per-sender log rate limit shows every refusal), and returns what came back.
 */
async function sendStream(c: TestCluster, target: TestNode, bytes: Uint8Array): Promise<Uint8Array> {
  const attacker = c.network.listen({ host: "127.0.0.9", port: nextAttackerPort++ });
  const dial = attacker.dial(target.addr, 1_000);
  await c.clock.advance(10);
  const s = await dial;
  await s.write(bytes);
  const reply: Uint8Array[] = [];
  const reading = (async () => {
    for (let chunk = await s.read(); chunk !== null; chunk = await s.read()) reply.push(chunk);
  })();
  await c.clock.advance(200);
  s.close();
  await reading;
  await attacker.close();
  return concat(...reply);
}

/** The message type of a stream reply, looking inside compression. */
function replyType(reply: Uint8Array): number | undefined {
  if (reply[0] === MessageType.compress) return decompressPayload(reply.subarray(1))[0];
  return reply[0];
}

/** A node with a delegate that records the user messages and user state it is handed. */
function recordingNode(c: TestCluster, extra: Parameters<TestCluster["add"]>[0] = {}) {
  const got = { msgs: [] as number[], states: [] as number[] };
  const node = c.add({
    delegate: {
      nodeMeta: () => new Uint8Array(),
      notifyMsg: (m) => got.msgs.push(m.length),
      getBroadcasts: () => [],
      localState: () => new Uint8Array(),
      mergeRemoteState: (buf) => got.states.push(buf.length),
    },
    ...extra,
  });
  return { node, got };
}

function pushPull(userStateLen: number, nodes: Uint8Array[] = []): Uint8Array {
  return concat(
    new Uint8Array([MessageType.pushPull]),
    encodePushPullHeader({ nodes: nodes.length, userStateLen, join: false }),
    ...nodes,
    new Uint8Array(userStateLen),
  );
}

function userStream(len: number): Uint8Array {
  return concat(
    new Uint8Array([MessageType.user]),
    encodeUserMsgHeader({ userMsgLen: len }),
    new Uint8Array(len),
  );
}

function stillAnswers(c: TestCluster, target: TestNode): Promise<boolean> {
  const late = c.add();
  const join = late.m.join([target.address]);
  const seesTarget = () => late.m.members().some((n) => n.name === target.name);
  return c.clock.advanceUntil(seesTarget, 5_000, 50).then(async (ok) => {
    await join;
    return ok;
  });
}

Deno.test("checkPushPullHeader accepts the node and user-state limits and refuses one more", () => {
  checkPushPullHeader({ nodes: MAX_PUSH_STATE_NODES, userStateLen: MAX_PUSH_STATE_BYTES, join: true });
  assert.throws(
    () => checkPushPullHeader({ nodes: MAX_PUSH_STATE_NODES + 1, userStateLen: 0, join: false }),
    (e) => e instanceof DecodeError && /Number of nodes in header \(1048577\) exceeds limit/.test(e.message),
  );
  assert.throws(
    () => checkPushPullHeader({ nodes: 0, userStateLen: MAX_PUSH_STATE_BYTES + 1, join: false }),
    /User state length \(20971521\) exceeds limit/,
  );
  assert.throws(() => checkPushPullHeader({ nodes: -1, userStateLen: 0, join: false }), DecodeError);
  checkUserMsgHeader({ userMsgLen: MAX_USER_MSG_BYTES });
  assert.throws(
    () => checkUserMsgHeader({ userMsgLen: MAX_USER_MSG_BYTES + 1 }),
    /User message length \(20971521\) exceeds limit/,
  );
});

Deno.test(
  "Memberlist refuses a push/pull announcing more than 1,048,576 nodes before reading them",
  opts,
  async () => {
    const c = new TestCluster(41);
    const target = c.add();
    const header = (nodes: number) =>
      concat(
        new Uint8Array([MessageType.pushPull]),
        encodePushPullHeader({ nodes, userStateLen: 0, join: false }),
      );
    await sendStream(c, target, header(MAX_PUSH_STATE_NODES));
    assert.ok(!target.logs.some((l) => l.includes("exceeds limit")), "the limit itself is allowed");
    await sendStream(c, target, header(MAX_PUSH_STATE_NODES + 1));
    assert.ok(target.logs.some((l) => l.includes("Number of nodes in header (1048577) exceeds limit")));
    assert.ok(await stillAnswers(c, target));
    await c.shutdown();
  },
);

Deno.test("Memberlist merges 20 MiB of user state and refuses one byte more", opts, async () => {
  const c = new TestCluster(42);
  const { node: target, got } = recordingNode(c);
  const ghost = encodePushNodeState({
    name: "ghost",
    addr: new Uint8Array([127, 0, 0, 9]),
    port: 9002,
    meta: new Uint8Array(),
    incarnation: 1,
    state: NodeState.alive,
    vsn: [1, 5, 2, 0, 0, 0],
  });
  const reply = await sendStream(c, target, pushPull(MAX_PUSH_STATE_BYTES, [ghost]));
  assert.deepEqual(got.states, [MAX_PUSH_STATE_BYTES]);
  assert.equal(replyType(reply), MessageType.pushPull, "answered with its own state");
  assert.ok(target.logs.some((l) => l.includes(`Remote node state size is (${MAX_PUSH_STATE_BYTES})`)));
  const over = concat(
    new Uint8Array([MessageType.pushPull]),
    encodePushPullHeader({ nodes: 0, userStateLen: MAX_PUSH_STATE_BYTES + 1, join: false }),
  );
  const refused = await sendStream(c, target, over);
  assert.equal(replyType(refused), MessageType.err);
  assert.ok(target.logs.some((l) => l.includes("User state length (20971521) exceeds limit")));
  assert.deepEqual(got.states, [MAX_PUSH_STATE_BYTES]);
  assert.ok(await stillAnswers(c, target));
  await c.shutdown();
});

Deno.test(
  "Memberlist delivers a 20 MiB user message over a stream and refuses one byte more",
  opts,
  async () => {
    const c = new TestCluster(43);
    const { node: target, got } = recordingNode(c);
    await sendStream(c, target, userStream(MAX_USER_MSG_BYTES));
    assert.deepEqual(got.msgs, [MAX_USER_MSG_BYTES]);
    const over = concat(
      new Uint8Array([MessageType.user]),
      encodeUserMsgHeader({ userMsgLen: MAX_USER_MSG_BYTES + 1 }),
    );
    await sendStream(c, target, over);
    assert.ok(target.logs.some((l) => l.includes("User message length (20971521) exceeds limit")));
    assert.deepEqual(got.msgs, [MAX_USER_MSG_BYTES]);
    assert.ok(await stillAnswers(c, target));
    await c.shutdown();
  },
);

Deno.test("decompressPayload expands to 40 MiB and refuses one byte more", () => {
  const body = (n: number) => compressPayload(new Uint8Array(n)).subarray(1);
  assert.equal(decompressPayload(body(MAX_DECOMPRESSED_BYTES)).length, MAX_DECOMPRESSED_BYTES);
  assert.throws(
    () => decompressPayload(body(MAX_DECOMPRESSED_BYTES + 1)),
    (e) => e instanceof DecodeError && e.message === "Decompressed message is larger than limit (41943040)",
  );
});

Deno.test("An empty decompressed message is refused on the packet and the stream path", opts, async () => {
  const empty = concat(
    new Uint8Array([MessageType.compress]),
    encodeMsgpack(goStruct({ Algo: LZW_ALGO, Buf: lzwCompress(new Uint8Array()) })),
  );
  assert.throws(() => decompressPayload(empty.subarray(1)), /Decompressed message is empty/);
  const c = new TestCluster(44);
  const target = c.add();
  const attacker = c.network.listen({ host: "127.0.0.9", port: 9004 });
  attacker.sendPacket(empty, target.addr);
  await c.clock.advance(10);
  await attacker.close();
  await sendStream(c, target, empty);
  assert.equal(target.m.stats.droppedBadInput, 2);
  assert.equal(target.logs.filter((l) => l.includes("Decompressed message is empty")).length, 2);
  assert.ok(await stillAnswers(c, target));
  await c.shutdown();
});

Deno.test("Memberlist warns when encrypted remote state passes 60% of the limit", opts, async () => {
  const key = new Uint8Array(16).fill(7);
  const c = new TestCluster(45);
  const target = c.add({ keyring: new Keyring([key], key) });
  const claim = (len: number) => {
    const head = new Uint8Array(5);
    head[0] = MessageType.encrypt;
    new DataView(head.buffer).setUint32(1, len);
    return head;
  };
  await sendStream(c, target, claim(PUSH_STATE_WARN_BYTES));
  assert.ok(!target.logs.some((l) => l.includes("Remote node state size")), "60% itself is quiet");
  await sendStream(c, target, claim(PUSH_STATE_WARN_BYTES + 1));
  assert.ok(
    target.logs.some((l) =>
      l.includes("[WARN]") && l.includes(`Remote node state size is (${PUSH_STATE_WARN_BYTES + 1}) limit is`)
    ),
  );
  await sendStream(c, target, claim(MAX_PUSH_STATE_BYTES + 1));
  assert.ok(target.logs.some((l) => l.includes("Remote node state is larger than limit (20971521)")));
  await c.shutdown();
});

Deno.test("Short version arrays in alive messages and push/pull states are harmless", opts, async () => {
  const c = new TestCluster(46);
  const target = c.add();
  // memberlist reads a current version only from a full six-entry array, so a
  // short one counts as version 0, which this cluster cannot speak: refused, not crashed.
  const state = encodePushNodeState({
    name: "short-pp",
    addr: new Uint8Array([127, 0, 0, 9]),
    port: 9006,
    meta: new Uint8Array(),
    incarnation: 1,
    state: NodeState.alive,
    vsn: [1, 5, 2],
  });
  const joinPull = concat(
    new Uint8Array([MessageType.pushPull]),
    encodePushPullHeader({ nodes: 1, userStateLen: 0, join: true }),
    state,
  );
  await sendStream(c, target, joinPull);
  assert.ok(target.logs.some((l) => l.includes("Node 'short-pp' protocol version (0) is incompatible")));
  assert.ok(!target.m.allNodes().some((n) => n.name === "short-pp"));

  const attacker = c.network.listen({ host: "127.0.0.9", port: 9006 });
  for (const [i, vsn] of [[], [1], [1, 5], [1, 5, 2], [1, 5, 2, 0, 0]].entries()) {
    attacker.sendPacket(
      encodeMessage({
        type: "alive",
        incarnation: 1,
        node: `short-${i}`,
        addr: new Uint8Array([127, 0, 0, 9]),
        port: 9006,
        meta: new Uint8Array(),
        vsn,
      }),
      target.addr,
    );
  }
  await c.clock.advance(10);
  await attacker.close();
  const short = target.m.allNodes().filter((n) => n.name.startsWith("short-"));
  assert.equal(short.length, 5);
  for (const n of short) {
    assert.deepEqual([n.pMin, n.pMax, n.pCur, n.dMin, n.dMax, n.dCur], [0, 0, 0, 0, 0, 0]);
  }
  await c.shutdown();
});

Deno.test(
  "Memberlist refuses a push/pull over 128 in flight and counts it, then serves again",
  opts,
  async () => {
    const c = new TestCluster(43);
    const target = c.add();
    const attacker = c.network.listen({ host: "127.0.0.9", port: nextAttackerPort++ });
    // A header promising one node, and then silence: each holds a push/pull slot until its read deadline.
    const stalled = concat(
      new Uint8Array([MessageType.pushPull]),
      encodePushPullHeader({ nodes: 1, userStateLen: 0, join: false }),
    );
    const open = async () => {
      const dial = attacker.dial(target.addr, 1_000);
      await c.clock.advance(10);
      const s = await dial;
      await s.write(stalled);
      return s;
    };
    const streams = [];
    for (let i = 0; i < MAX_PUSH_PULL_REQUESTS; i++) streams.push(await open());
    await c.clock.advance(10);
    assert.equal(target.m.stats.pushPullsInFlight, MAX_PUSH_PULL_REQUESTS);
    assert.equal(target.m.stats.pushPullsRejected, 0, "the limit itself is allowed");
    assert.ok(!target.logs.some((l) => l.includes("Too many pending push/pull requests")));

    streams.push(await open());
    await c.clock.advance(10);
    assert.equal(target.m.stats.pushPullsRejected, 1);
    assert.equal(target.m.stats.pushPullsInFlight, MAX_PUSH_PULL_REQUESTS);
    assert.ok(target.logs.some((l) => l.includes("[ERR] memberlist: Too many pending push/pull requests")));

    for (const s of streams) s.close();
    await c.clock.advance(100);
    assert.equal(target.m.stats.pushPullsInFlight, 0, "closed streams free their slots");
    assert.ok(await stillAnswers(c, target));
    await attacker.close();
    await c.shutdown();
  },
);
