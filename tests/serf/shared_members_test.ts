import assert from "node:assert/strict";
import { memberWithStatus, sharedMember } from "../../lib/serf/shared_members.ts";
import type { Member } from "../../lib/serf/types.ts";
import { member as rpcMember } from "../rpc/_fake_agent.ts";

const TAGS = Object.freeze({ role: "db" });

/** A member as the RPC tests build one, with `overrides`. */
function member(overrides: Partial<Member> = {}): Member {
  return { ...rpcMember("shared-1", "10.0.0.9", 7946, TAGS), ...overrides };
}

Deno.test("sharedMember hands out one frozen record per distinct member", () => {
  const a = sharedMember(member());
  assert.equal(sharedMember(member()), a);
  assert.equal(Object.isFrozen(a), true);
  assert.notEqual(sharedMember(member({ port: 7947 })), a, "other port");
  assert.notEqual(sharedMember(member({ tags: { role: "db" } })), a, "tags are compared by identity");
  assert.notEqual(sharedMember(member({ name: "shared-2" })), a, "other name");
  assert.throws(() => {
    (a as Member).status = "failed";
  }, TypeError);
});

Deno.test("memberWithStatus changes only the status, and going back returns the first record", () => {
  const alive = sharedMember(member({ name: "shared-3" }));
  const failed = memberWithStatus(alive, "failed");
  assert.deepEqual(failed, { ...alive, status: "failed" });
  assert.equal(alive.status, "alive", "the shared record is unchanged");
  assert.equal(memberWithStatus(failed, "alive"), alive);
});
