/**
 * Serf's direct push/pull state encoder against the general message encoder:
 * the same bytes for random states, small and large (fixmap, map16, map32).
 */
import assert from "node:assert/strict";
import { encodeMsgpack, type MsgpackEncodable } from "../../lib/codec/msgpack.ts";
import { decodeSerfMessage, encodeSerfMessage } from "../../lib/serf/messages.ts";
import { SerfMessageType } from "../../lib/serf/message_types.ts";
import {
  encodeLocalPushPull,
  type LocalPushPullState,
  readRemotePushPull,
} from "../../lib/serf/push_pull_state.ts";
import type { UserEvents } from "../../lib/serf/message_types.ts";
import { SeededRandom } from "../../lib/util/random.ts";

function general(state: LocalPushPullState): Uint8Array {
  return encodeSerfMessage({
    type: "pushPull",
    lTime: state.lTime,
    statusLTimes: Object.fromEntries([...state.members].map(([name, m]) => [name, m.statusLTime])),
    leftMembers: [...state.leftMembers],
    eventLTime: state.eventLTime,
    events: state.events,
    queryLTime: state.queryLTime,
  });
}

const NAME_PARTS = ["web", "db-", "é", "节点", "__proto__", "10", "2", "", "x".repeat(40), "Z"];

function randomState(rng: SeededRandom, members: number): LocalPushPullState {
  const int = (n: number) => Math.floor(rng.next() * n);
  const lTime = () =>
    [0, 1, 127, 128, 255, 65_535, 65_536, 2 ** 32, Number.MAX_SAFE_INTEGER][int(9)]! + int(3);
  const map = new Map<string, { statusLTime: number }>();
  while (map.size < members) {
    const name = NAME_PARTS[int(NAME_PARTS.length)]! + String(int(members * 4)) +
      NAME_PARTS[int(NAME_PARTS.length)]!;
    map.set(name, { statusLTime: Math.min(lTime(), Number.MAX_SAFE_INTEGER) });
  }
  const names = [...map.keys()];
  const events: UserEvents[] = [];
  for (let i = int(4); i > 0; i--) {
    const payload = new Uint8Array(int(40)).map(() => int(256));
    events.push({ lTime: int(1000), events: [{ name: `deploy-${i}`, payload }] });
  }
  return {
    lTime: Math.min(lTime(), Number.MAX_SAFE_INTEGER),
    members: map,
    leftMembers: names.filter(() => rng.next() < 0.1),
    eventLTime: int(1000),
    events,
    queryLTime: int(100_000),
  };
}

Deno.test("encodeLocalPushPull writes the same bytes as encodeSerfMessage", () => {
  const rng = new SeededRandom(7);
  for (let i = 0; i < 300; i++) {
    const state = randomState(rng, [0, 1, 15, 16, 17, 40, 300][i % 7]!);
    assert.deepEqual(encodeLocalPushPull(state), general(state), `state ${i}`);
  }
});

Deno.test("encodeLocalPushPull handles map16 and map32 member counts, and a buffer used again after", () => {
  const rng = new SeededRandom(3);
  for (const members of [65_535, 65_536]) {
    const state = randomState(rng, members);
    assert.deepEqual(encodeLocalPushPull(state), general(state), `${members} members`);
  }
  const small = randomState(rng, 3);
  assert.deepEqual(encodeLocalPushPull(small), general(small));
});

/** What the merge saw before the fast reader: the general decoder's object, listed by Object.keys. */
function generalRead(buf: Uint8Array): unknown {
  const pp = decodeSerfMessage(buf);
  if (pp.type !== "pushPull") throw new Error("not a push/pull");
  const names = Object.keys(pp.statusLTimes);
  return {
    lTime: pp.lTime,
    names,
    lTimes: names.map((name) => pp.statusLTimes[name]),
    leftMembers: pp.leftMembers,
    eventLTime: pp.eventLTime,
    events: pp.events,
    queryLTime: pp.queryLTime,
  };
}

function outcome(read: () => unknown): unknown {
  try {
    return { ok: read() };
  } catch (err) {
    return { threw: err instanceof Error ? err.constructor.name : String(err) };
  }
}

Deno.test("readRemotePushPull gives what the general decoder gives, for states and for damaged states", () => {
  const rng = new SeededRandom(11);
  const int = (n: number) => Math.floor(rng.next() * n);
  let fastShapes = 0;
  for (let i = 0; i < 400; i++) {
    const state = randomState(rng, [0, 1, 5, 16, 40][i % 5]!);
    const buf = encodeLocalPushPull(state);
    assert.deepEqual(outcome(() => readRemotePushPull(buf)), outcome(() => generalRead(buf)), `state ${i}`);
    if ([...state.members.keys()].every((n) => [...n].every((c) => c.charCodeAt(0) < 0x80))) {
      fastShapes++;
    }
    for (let j = 0; j < 8; j++) {
      const bad = buf.slice(0, j === 0 ? int(buf.length) : buf.length);
      if (j > 0) { for (let k = 0; k < 1 + int(3); k++) bad[int(bad.length)] = int(256); }
      if (bad.length > 0) bad[0] = SerfMessageType.pushPull; // the merge checks the type byte first
      assert.deepEqual(
        outcome(() => readRemotePushPull(bad)),
        outcome(() => generalRead(bad)),
        `state ${i}, damage ${j}`,
      );
    }
  }
  assert.ok(fastShapes > 20, `only ${fastShapes} states in the common shape`);
});

Deno.test("readRemotePushPull keeps the general order for names objects reorder, and drops no repeats", () => {
  // Hand-built: array-index names, __proto__ and a repeated name, which an object lists differently.
  for (const names of [["b", "10", "a", "2"], ["x", "__proto__", "y"], ["a", "b", "a"]]) {
    const body = new Map<string, MsgpackEncodable>([
      ["EventLTime", 0],
      ["Events", []],
      ["LTime", 3],
      ["LeftMembers", []],
      ["QueryLTime", 0],
    ]);
    const head = encodeMsgpack(body).subarray(1); // the five entries without their fixmap byte
    const entries = names.flatMap((n, i) => [...encodeMsgpack(n), i + 1]);
    const buf = new Uint8Array([
      SerfMessageType.pushPull,
      0x86,
      ...head,
      ...encodeMsgpack("StatusLTimes"),
      0x80 | names.length,
      ...entries,
    ]);
    assert.deepEqual(outcome(() => readRemotePushPull(buf)), outcome(() => generalRead(buf)), names.join());
  }
});
