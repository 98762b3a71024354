/**
 * serf#369 / serf#204: a slow handler holds back only events of its own kind.
 */
import assert from "node:assert/strict";
import { parseEventHandlers } from "../../lib/agent/event_handler.ts";
import { laneOf, ScriptEventHandler } from "../../lib/agent/handler_lanes.ts";
import { silentLogger } from "../../lib/util/log.ts";
import type { Member, SerfEvent } from "../../lib/serf/types.ts";

const self = { name: "self", tags: {} } as unknown as Member;
const user = (name: string, lTime: number): SerfEvent => ({
  type: "user",
  lTime,
  name,
  payload: new Uint8Array(),
  coalesce: false,
});
const query = (name: string): SerfEvent => ({
  type: "query",
  lTime: 1,
  id: 1,
  name,
  payload: new Uint8Array(),
  deadline: 0,
  respond: () => {},
} as unknown as SerfEvent);
const member = (type: "member-join" | "member-failed"): SerfEvent => ({ type, members: [self] });
const tick = () => new Promise((r) => setTimeout(r, 5));

function label(e: SerfEvent): string {
  return e.type === "user" ? `${e.name}#${e.lTime}` : e.type === "query" ? `query:${e.name}` : e.type;
}

Deno.test("Lanes: membership events, one lane per user-event and query name", () => {
  assert.equal(laneOf(member("member-join")), laneOf(member("member-failed")));
  assert.equal(laneOf(user("deploy", 1)), laneOf(user("deploy", 2)));
  assert.notEqual(laneOf(user("deploy", 1)), laneOf(user("restart", 1)));
  assert.notEqual(laneOf(query("deploy")), laneOf(user("deploy", 1)));
});

Deno.test("Lanes: a stuck user-event handler holds back neither membership handlers nor queries", async () => {
  const ran: string[] = [];
  const gates = new Map<string, () => void>();
  const handler = new ScriptEventHandler({
    scripts: parseEventHandlers(["h"]),
    self: () => self,
    logger: silentLogger(),
    async invoke(_script, _self, event) {
      if (event.type === "user" && event.name === "deploy") {
        await new Promise<void>((r) => gates.set(`${event.lTime}`, r));
      }
      ran.push(label(event));
    },
  });
  handler.handleEvent(user("deploy", 1));
  handler.handleEvent(user("deploy", 2));
  handler.handleEvent(member("member-join"));
  handler.handleEvent(query("uptime"));
  handler.handleEvent(member("member-failed"));
  await tick();
  assert.deepEqual(ran, ["member-join", "query:uptime", "member-failed"]);
  assert.deepEqual([...gates.keys()], ["1"], "the second deploy waits behind the first, in order");
  gates.get("1")!();
  await tick();
  gates.get("2")!();
  await handler.close();
  assert.deepEqual(ran.slice(3), ["deploy#1", "deploy#2"]);
});

Deno.test("Lanes: no more than `concurrency` handlers run at once", async () => {
  let active = 0;
  let peak = 0;
  const handler = new ScriptEventHandler({
    scripts: parseEventHandlers(["h"]),
    self: () => self,
    logger: silentLogger(),
    concurrency: 3,
    async invoke() {
      peak = Math.max(peak, ++active);
      await tick();
      active--;
    },
  });
  for (let i = 0; i < 12; i++) handler.handleEvent(user(`name-${i}`, i));
  await handler.close();
  assert.equal(peak, 3);
});
