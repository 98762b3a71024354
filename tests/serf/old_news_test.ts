import assert from "node:assert/strict";
import { LamportClock } from "../../lib/serf/lamport.ts";
import { encodeSerfMessage } from "../../lib/serf/messages.ts";
import { applyOldNewsJoin } from "../../lib/serf/old_news.ts";
import type { SerfCore } from "../../lib/serf/serf_core.ts";

/** Just what the check reads of Serf: the member table's Lamport times and the member clock. */
function serfKnowing(statusLTimes: Record<string, number>) {
  const byName = new Map(Object.entries(statusLTimes).map(([name, statusLTime]) => [name, { statusLTime }]));
  const memberClock = new LamportClock();
  return { s: { members: { byName }, memberClock } as unknown as SerfCore, memberClock };
}

Deno.test("applyOldNewsJoin witnesses an intent no newer than the member's and reports it handled", () => {
  const { s, memberClock } = serfKnowing({ a: 40 });
  assert.equal(applyOldNewsJoin(s, encodeSerfMessage({ type: "join", lTime: 40, node: "a" })), true);
  assert.equal(memberClock.time(), 41);
  assert.equal(applyOldNewsJoin(s, encodeSerfMessage({ type: "join", lTime: 7, node: "a" })), true);
  assert.equal(memberClock.time(), 41);
});

Deno.test("applyOldNewsJoin leaves newer, unknown and other messages untouched", () => {
  const { s, memberClock } = serfKnowing({ a: 40 });
  const before = memberClock.time();
  const cases: [string, Uint8Array][] = [
    ["newer", encodeSerfMessage({ type: "join", lTime: 41, node: "a" })],
    ["unknown member", encodeSerfMessage({ type: "join", lTime: 1, node: "b" })],
    ["leave intent", encodeSerfMessage({ type: "leave", lTime: 1, node: "a", prune: false })],
    ["truncated", encodeSerfMessage({ type: "join", lTime: 1, node: "a" }).subarray(0, 5)],
  ];
  for (const [what, buf] of cases) assert.equal(applyOldNewsJoin(s, buf), false, what);
  assert.equal(memberClock.time(), before);
});

Deno.test("applyOldNewsJoin tells apart names that share a prefix and leaves non-ASCII names to the decoder", () => {
  const { s, memberClock } = serfKnowing({ "node-1": 40, "node-10": 2, "nöde": 40 });
  const before = memberClock.time();
  const cases: [string, Uint8Array][] = [
    ["newer than node-10", encodeSerfMessage({ type: "join", lTime: 3, node: "node-10" })],
    ["a prefix of known names", encodeSerfMessage({ type: "join", lTime: 1, node: "node-" })],
    ["a known non-ASCII name", encodeSerfMessage({ type: "join", lTime: 1, node: "nöde" })],
    [
      "a trailing byte",
      new Uint8Array([...encodeSerfMessage({ type: "join", lTime: 1, node: "node-1" }), 0xc0]),
    ],
  ];
  for (const [what, buf] of cases) assert.equal(applyOldNewsJoin(s, buf), false, what);
  assert.equal(memberClock.time(), before);
  assert.equal(applyOldNewsJoin(s, encodeSerfMessage({ type: "join", lTime: 2, node: "node-10" })), true);
  assert.equal(applyOldNewsJoin(s, encodeSerfMessage({ type: "join", lTime: 39, node: "node-1" })), true);
});
