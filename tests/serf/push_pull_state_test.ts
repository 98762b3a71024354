/**
 * Serf's direct push/pull state encoder against the general message encoder:
 * the same bytes for random states, small and large (fixmap, map16, map32).
 */
import assert from "node:assert/strict";
import { encodeSerfMessage } from "../../lib/serf/messages.ts";
import { encodeLocalPushPull, type LocalPushPullState } from "../../lib/serf/push_pull_state.ts";
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
