import assert from "node:assert/strict";
import { Observer } from "../../scripts/simulate/observer.ts";
import type { Member, SerfEvent } from "../../lib/serf/types.ts";

const names = ["n0", "n1", "n2", "n3"];

function member(name: string): Member {
  return {
    name,
    addr: "10.0.0.1",
    port: 7946,
    tags: {},
    status: "alive",
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 4,
  };
}

function event(type: "member-join" | "member-failed", ...who: string[]): SerfEvent {
  return { type, members: who.map(member) } as SerfEvent;
}

Deno.test("Observer: a node restarted after the kill that never saw the killed node alive is settled and whole", () => {
  const obs = new Observer(names, () => true);
  names.forEach((_, i) => obs.nodeUp(i));
  obs.setVictim(3);
  for (let i = 0; i < 3; i++) obs.onEvent(i, event("member-join", ...names));
  obs.nodeDown(3); // the kill
  obs.onEvent(0, event("member-failed", "n3"));
  obs.onEvent(1, event("member-failed", "n3"));
  obs.nodeDown(2); // n2 restarts after the kill; its join's push/pull already holds n3 dead
  obs.nodeUp(2);
  obs.onEvent(2, event("member-join", "n0", "n1", "n2"));
  assert.equal(obs.victimFailedCount(), 3);
  assert.equal(obs.convergedNodes(), 3);
  assert.equal(obs.missingPairs(), 0);
  assert.equal(obs.falseFailures.size, 0);
});

Deno.test("Observer: nodes that held the killed node alive, or hold it again, are settled only by a failed event", () => {
  const obs = new Observer(names, () => true);
  names.forEach((_, i) => obs.nodeUp(i));
  obs.setVictim(3);
  for (let i = 0; i < 3; i++) obs.onEvent(i, event("member-join", ...names));
  obs.nodeDown(3);
  obs.nodeDown(2);
  obs.nodeUp(2); // restarted after the kill, but a stale push/pull shows n3 alive
  obs.onEvent(2, event("member-join", ...names));
  assert.equal(obs.victimFailedCount(), 0);
  assert.equal(obs.convergedNodes(), 3); // the killed node counts in a view until it is marked
  assert.equal(obs.missingPairs(), 0);
  obs.onEvent(0, event("member-failed", "n3"));
  obs.onEvent(1, event("member-failed", "n3"));
  assert.equal(obs.victimFailedCount(), 2);
  obs.onEvent(2, event("member-failed", "n3"));
  assert.equal(obs.victimFailedCount(), 3);
  assert.equal(obs.convergedNodes(), 3);
});

Deno.test("Observer: a node that had not yet heard of the killed node owes no failed event", () => {
  const obs = new Observer(names, () => true);
  names.forEach((_, i) => obs.nodeUp(i));
  obs.setVictim(3);
  obs.onEvent(0, event("member-join", ...names));
  obs.onEvent(1, event("member-join", "n0", "n1", "n2")); // its view was still filling at the kill
  obs.nodeDown(3);
  obs.nodeDown(2);
  assert.equal(obs.victimFailedCount(), 1);
  obs.onEvent(0, event("member-failed", "n3"));
  assert.equal(obs.victimFailedCount(), 2);
});
