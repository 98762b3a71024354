import assert from "node:assert/strict";
import {
  type CoalescePolicy,
  Coalescer,
  type CoalescerOptions,
  MemberEventPolicy,
  UserEventPolicy,
} from "../../lib/serf/coalesce.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";

type Member = { name: string; addr: string };
type MemberEv = {
  type: "member-join" | "member-leave" | "member-failed" | "member-update" | "member-reap";
  members: Member[];
};
type UserEv = { type: "user"; lTime: number; name: string; payload: string; coalesce: boolean };
type QueryEv = { type: "query"; name: string };
type Ev = MemberEv | UserEv | QueryEv;

const m = (name: string): Member => ({ name, addr: `10.0.0.${name.length}` });
const join = (...names: string[]): MemberEv => ({ type: "member-join", members: names.map(m) });
const ev = (type: MemberEv["type"], ...names: string[]): MemberEv => ({ type, members: names.map(m) });
const user = (name: string, lTime: number, payload = "", coalesce = true): UserEv => ({
  type: "user",
  lTime,
  name,
  payload,
  coalesce,
});

function setup(policy: CoalescePolicy<Ev>, options: Partial<CoalescerOptions<Ev>> = {}) {
  const clock = new VirtualClock();
  const out: Ev[] = [];
  const c = new Coalescer<Ev>({
    clock,
    coalescePeriodMs: 3000,
    quiescentPeriodMs: 1000,
    policy,
    emit: (e) => out.push(e),
    ...options,
  });
  return { clock, out, c };
}

Deno.test("Coalescer flushes once the quiescent period passes without events", async () => {
  const { clock, out, c } = setup(new MemberEventPolicy<Ev>());
  c.push(join("a"));
  await clock.advance(600);
  c.push(join("b"));
  await clock.advance(999);
  assert.deepEqual(out, [], "quiet for less than the quiescent period");
  await clock.advance(1);
  assert.deepEqual(out, [join("a", "b")]);
  assert.equal(clock.pending, 0, "both timers are gone after a flush");
});

Deno.test("Coalescer flushes at the coalesce period even while events keep coming", async () => {
  const { clock, out, c } = setup(new MemberEventPolicy<Ev>());
  for (let i = 0; i < 6; i++) {
    c.push(join(`n${i}`));
    await clock.advance(500);
  }
  // Pushed at 0, 500, ..., 2500: the quiescent timer never fires, the 3000 ms quantum does.
  assert.deepEqual(out, [join("n0", "n1", "n2", "n3", "n4", "n5")]);
  c.push(join("late"));
  await clock.advance(1000);
  assert.deepEqual(out.at(-1), join("late"), "a new batch starts after the flush");
});

Deno.test("Coalescer passes unhandled events straight through, in order", async () => {
  const { clock, out, c } = setup(new UserEventPolicy<Ev>());
  c.push(join("a"));
  c.push(user("deploy", 1, "x", false));
  c.push(user("deploy", 2, "y"));
  c.push({ type: "query", name: "uptime" });
  assert.deepEqual(out, [join("a"), user("deploy", 1, "x", false), { type: "query", name: "uptime" }]);
  await clock.advance(1000);
  assert.deepEqual(out.at(-1), user("deploy", 2, "y"));
});

Deno.test("MemberEventPolicy keeps each member's latest event and groups by type", async () => {
  const { clock, out, c } = setup(new MemberEventPolicy<Ev>());
  c.push(join("a"));
  c.push(join("b"));
  c.push(ev("member-failed", "a"));
  c.push(ev("member-update", "c"));
  c.push(ev("member-reap", "d"));
  await clock.advance(1000);
  assert.deepEqual(out, [
    ev("member-failed", "a"),
    join("b"),
    ev("member-update", "c"),
    ev("member-reap", "d"),
  ]);
});

Deno.test("MemberEventPolicy suppresses a repeated event type but not updates (Serf's quirk included)", async () => {
  const { clock, out, c } = setup(new MemberEventPolicy<Ev>());
  c.push(join("a"));
  c.push(ev("member-update", "b"));
  await clock.advance(1000);
  out.length = 0;
  c.push(join("a")); // already reported as joined
  await clock.advance(1000);
  // Serf never forgets its latest events, so b's update is reported again at this flush.
  assert.deepEqual(out, [ev("member-update", "b")]);
  out.length = 0;
  c.push(ev("member-leave", "a"));
  c.push(join("a"));
  await clock.advance(1000);
  assert.deepEqual(out, [ev("member-update", "b")], "leave then join within a batch: join already sent");
  out.length = 0;
  c.push(ev("member-failed", "a"));
  await clock.advance(1000);
  assert.deepEqual(out, [ev("member-failed", "a"), ev("member-update", "b")]);
});

Deno.test("UserEventPolicy keeps only the events with the highest LTime per name", async () => {
  const { clock, out, c } = setup(new UserEventPolicy<Ev>());
  c.push(user("deploy", 5, "v5"));
  c.push(user("deploy", 3, "old"));
  c.push(user("restart", 1, "r1"));
  c.push(user("deploy", 7, "v7a"));
  c.push(user("deploy", 7, "v7b"));
  c.push(user("deploy", 6, "stale"));
  await clock.advance(1000);
  assert.deepEqual(out, [user("deploy", 7, "v7a"), user("deploy", 7, "v7b"), user("restart", 1, "r1")]);
  out.length = 0;
  c.push(user("deploy", 2, "after flush"));
  await clock.advance(1000);
  assert.deepEqual(out, [user("deploy", 2, "after flush")], "the policy forgets after each flush");
});

Deno.test("Coalescer.stop flushes the buffer and then lets events through", () => {
  const { clock, out, c } = setup(new MemberEventPolicy<Ev>());
  c.push(join("a"));
  c.stop();
  assert.deepEqual(out, [join("a")]);
  assert.equal(clock.pending, 0);
  c.push(join("b"));
  assert.deepEqual(out, [join("a"), join("b")]);
  assert.equal(clock.pending, 0, "no timers after stop");
});

Deno.test("Coalescer.flush emits early and a throwing emit does not lose the other events", async () => {
  const lines: string[] = [];
  const logger = new Logger({ sink: (l) => lines.push(l), level: "ERR" });
  const got: Ev[] = [];
  const { clock, c } = setup(new UserEventPolicy<Ev>(), {
    logger,
    emit: (e) => {
      if (e.type === "user" && e.name === "bad") throw new Error("handler exploded");
      got.push(e);
    },
  });
  c.push(user("bad", 1));
  c.push(user("good", 1));
  c.flush();
  assert.deepEqual(got, [user("good", 1)]);
  assert.match(lines[0]!, /\[ERR\] Failed to deliver coalesced event: handler exploded/);
  await clock.advance(5000);
  assert.equal(got.length, 1, "nothing is emitted twice");
});

Deno.test("Coalescer refuses periods that would disable it", () => {
  const clock = new VirtualClock();
  const policy = new UserEventPolicy<Ev>();
  const emit = () => {};
  assert.throws(() => new Coalescer<Ev>({ clock, policy, emit, coalescePeriodMs: 0 }), /'coalescePeriodMs'/);
  assert.throws(() => new Coalescer<Ev>({ clock, policy, emit, quiescentPeriodMs: NaN }), RangeError);
});
