import assert from "node:assert/strict";
import type { Engine } from "../../lib/memberlist/engine.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { NodeRecord } from "../../lib/memberlist/node.ts";
import { sharedNodeIdentity } from "../../lib/memberlist/node_identity.ts";
import { NodeTable } from "../../lib/memberlist/node_table.ts";
import { isOldNewsAliveBody } from "../../lib/memberlist/old_news.ts";
import { encodeMessage } from "../../lib/memberlist/wire.ts";
import type { AliveMessage } from "../../lib/memberlist/messages.ts";
import { SeededRandom } from "../../lib/util/random.ts";

/** Just what the check reads of an engine: its config and node table. */
function engineKnowing(records: NodeRecord[], config: Record<string, unknown> = {}): Engine {
  const nodes = new NodeTable(new SeededRandom(1));
  for (const r of records) nodes.add(r);
  return { config: { name: "self", bindPort: 7946, ...config }, nodes } as unknown as Engine;
}

/** A record of an alive peer, as aliveNode would hold it; `name` and `port` vary per test. */
function peerRecord(name = "peer", port = 7946): NodeRecord {
  const identity = sharedNodeIdentity(name, new Uint8Array([10, 0, 0, 2]), port, new Uint8Array([1, 2]), [
    1,
    5,
    2,
    2,
    5,
    4,
  ]);
  return new NodeRecord(identity, NodeState.alive, 5, 0);
}

const PEER = peerRecord();

function alive(overrides: Partial<AliveMessage> = {}): Uint8Array {
  const msg: AliveMessage = {
    type: "alive",
    incarnation: 5,
    node: "peer",
    addr: new Uint8Array([10, 0, 0, 2]),
    port: 7946,
    meta: new Uint8Array([9]),
    vsn: [1, 5, 2, 2, 5, 4],
    ...overrides,
  };
  return encodeMessage(msg).subarray(1);
}

Deno.test("isOldNewsAliveBody recognises a repeat of what we hold, older incarnations included", () => {
  const m = engineKnowing([PEER]);
  assert.equal(isOldNewsAliveBody(m, alive()), true);
  assert.equal(isOldNewsAliveBody(m, alive({ incarnation: 4 })), true);
  assert.equal(isOldNewsAliveBody(m, alive({ meta: new Uint8Array(0), vsn: [] })), true);
  assert.equal(isOldNewsAliveBody(engineKnowing([PEER], { bindPort: 7946 }), alive({ port: 0 })), true);
});

Deno.test("isOldNewsAliveBody leaves to aliveNode whatever could change state or log", () => {
  const m = engineKnowing([PEER, peerRecord("self")]);
  const cases: [string, Uint8Array, Engine?][] = [
    ["newer incarnation", alive({ incarnation: 6 })],
    ["unknown node", alive({ node: "stranger" })],
    ["ourselves", alive({ node: "self" })],
    ["other address", alive({ addr: new Uint8Array([10, 0, 0, 3]) })],
    ["other port", alive({ port: 7947 })],
    ["bad address length", alive({ addr: new Uint8Array([10, 0, 0]) })],
    ["bad protocol versions", alive({ vsn: [0, 5, 2, 2, 5, 4] })],
    ["non-ASCII name", alive({ node: "pëer" })],
    ["alive delegate", alive(), engineKnowing([PEER], { alive: { notifyAlive: () => undefined } })],
  ];
  for (const [what, body, engine] of cases) assert.equal(isOldNewsAliveBody(engine ?? m, body), false, what);
  const body = alive();
  assert.equal(isOldNewsAliveBody(m, body.subarray(0, body.length - 1)), false, "truncated");
  assert.equal(isOldNewsAliveBody(m, new Uint8Array([...body, 0xc0])), false, "trailing bytes");
});

Deno.test("isOldNewsAliveBody tells apart names that share a prefix and leaves non-ASCII names to the decoder", () => {
  const m = engineKnowing([PEER, peerRecord("peer-1", 7000), peerRecord("pëer")]);
  assert.equal(isOldNewsAliveBody(m, alive({ node: "peer-1", port: 7000 })), true);
  assert.equal(isOldNewsAliveBody(m, alive({ node: "peer-1" })), false, "peer-1 on peer's port");
  assert.equal(isOldNewsAliveBody(m, alive({ port: 7000 })), false, "peer on peer-1's port");
  assert.equal(isOldNewsAliveBody(m, alive({ node: "pee" })), false, "a prefix of a known name");
  assert.equal(isOldNewsAliveBody(m, alive({ node: "peer-" })), false, "between two known names");
  assert.equal(isOldNewsAliveBody(m, alive({ node: "pëer" })), false, "a known non-ASCII name");
  assert.equal(isOldNewsAliveBody(m, alive({ incarnation: 6 })), false, "newer incarnation after a repeat");
  assert.equal(isOldNewsAliveBody(m, alive({ addr: new Uint8Array(16) })), false, "IPv6 for an IPv4 record");
});

Deno.test("isOldNewsAliveBody reads a message in place and nothing past its end", () => {
  const m = engineKnowing([PEER]);
  const body = alive();
  const framed = new Uint8Array([0xaa, 0xbb, ...body, 0xc0, 0xc0]);
  assert.equal(isOldNewsAliveBody(m, framed, 2, 2 + body.length), true);
  assert.equal(
    isOldNewsAliveBody(m, framed, 2, 2 + body.length + 1),
    false,
    "a trailing byte inside the range",
  );
  assert.equal(isOldNewsAliveBody(m, framed, 2, 1 + body.length), false, "the range ends inside the message");
  // The Vsn raw, last in the body, would be complete if read past `end`.
  const cut = new Uint8Array([...body.subarray(0, body.length - 1), body[body.length - 1]!]);
  assert.equal(isOldNewsAliveBody(m, cut, 0, cut.length - 1), false, "a field that ends past the range");
});
