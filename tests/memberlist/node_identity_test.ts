import assert from "node:assert/strict";
import { NodeRecord, snapshotNode } from "../../lib/memberlist/node.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { sharedNodeIdentity, UNKNOWN_VSN } from "../../lib/memberlist/node_identity.ts";

const ADDR = new Uint8Array([10, 0, 0, 7]);
const META = new Uint8Array([1, 2, 3]);

Deno.test("sharedNodeIdentity hands out one object per distinct claim", () => {
  const a = sharedNodeIdentity("ident-1", ADDR, 7946, META, [1, 5, 2, 2, 5, 4]);
  assert.equal(
    sharedNodeIdentity("ident-1", new Uint8Array([10, 0, 0, 7]), 7946, META.slice(), [1, 5, 2, 2, 5, 4]),
    a,
  );
  assert.notEqual(sharedNodeIdentity("ident-1", ADDR, 7946, META, [1, 5, 2, 2, 5, 5]), a, "other versions");
  assert.notEqual(
    sharedNodeIdentity("ident-1", ADDR, 7946, new Uint8Array([9]), [1, 5, 2, 2, 5, 4]),
    a,
    "other meta",
  );
  assert.notEqual(sharedNodeIdentity("ident-2", ADDR, 7946, META, [1, 5, 2, 2, 5, 4]), a, "other name");
});

Deno.test("sharedNodeIdentity keeps six versions, zero for missing ones, and cannot be changed", () => {
  const short = sharedNodeIdentity("ident-3", ADDR, 7946, META, [1, 5]);
  assert.deepEqual(short.vsn, [1, 5, 0, 0, 0, 0]);
  assert.deepEqual(sharedNodeIdentity("ident-4", ADDR, 7946, META, UNKNOWN_VSN).vsn, [0, 0, 0, 0, 0, 0]);
  assert.equal(Object.isFrozen(short), true);
  assert.equal(Object.isFrozen(short.vsn), true);
});

Deno.test("NodeRecord reads the claim through its identity and keeps its own view", () => {
  const identity = sharedNodeIdentity("ident-5", ADDR, 7000, META, [1, 5, 2, 2, 5, 4]);
  const mine = new NodeRecord(identity, NodeState.alive, 3, 10);
  const theirs = new NodeRecord(identity, NodeState.suspect, 4, 20);
  assert.deepEqual(snapshotNode(mine), {
    name: "ident-5",
    addr: ADDR,
    port: 7000,
    meta: META,
    state: NodeState.alive,
    pMin: 1,
    pMax: 5,
    pCur: 2,
    dMin: 2,
    dMax: 5,
    dCur: 4,
  });
  assert.equal(theirs.state, NodeState.suspect);
  mine.identity = sharedNodeIdentity("ident-5", ADDR, 7001, META, mine.identity.vsn);
  assert.equal(mine.port, 7001);
  assert.equal(theirs.port, 7000, "the other view is unchanged");
});
