import assert from "node:assert/strict";
import {
  describeEvent,
  describeEventScript,
  type EventScript,
  eventScriptMatches,
  parseEventHandlers,
  parseEventScript,
} from "../../lib/agent/event_handler.ts";
import { ScriptEventHandler } from "../../lib/agent/handler_lanes.ts";
import { silentLogger } from "../../lib/util/log.ts";
import type { Member, SerfEvent } from "../../lib/serf/types.ts";

const member = (name: string): Member => ({
  name,
  addr: "127.0.0.1",
  port: 7946,
  tags: {},
  status: "alive",
  protocolMin: 1,
  protocolMax: 5,
  protocolCur: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 5,
});
const user = (name: string): SerfEvent => ({
  type: "user",
  lTime: 1,
  name,
  payload: new Uint8Array(),
  coalesce: false,
});
const query = (name: string): SerfEvent => ({
  type: "query",
  lTime: 1,
  name,
  payload: new Uint8Array(),
  id: 1,
  sourceNode: "a",
  deadline: 0,
  respond() {},
});
const join: SerfEvent = { type: "member-join", members: [member("a")] };

Deno.test("parseEventScript reads Serf's spec forms", () => {
  assert.deepEqual(parseEventScript("handler.sh"), [{ event: "*", name: "", script: "handler.sh" }]);
  assert.deepEqual(parseEventScript("member-join=join.sh"), [{
    event: "member-join",
    name: "",
    script: "join.sh",
  }]);
  assert.deepEqual(parseEventScript("member-join,member-failed=x.sh"), [
    { event: "member-join", name: "", script: "x.sh" },
    { event: "member-failed", name: "", script: "x.sh" },
  ]);
  assert.deepEqual(parseEventScript("user=u.sh"), [{ event: "user", name: "", script: "u.sh" }]);
  assert.deepEqual(parseEventScript("user:deploy=d.sh"), [{ event: "user", name: "deploy", script: "d.sh" }]);
  assert.deepEqual(parseEventScript("query=q.sh"), [{ event: "query", name: "", script: "q.sh" }]);
  assert.deepEqual(parseEventScript("query:uptime=up.sh"), [{
    event: "query",
    name: "uptime",
    script: "up.sh",
  }]);
  assert.deepEqual(parseEventScript("*=all.sh"), [{ event: "*", name: "", script: "all.sh" }]);
  // Only the first '=' splits: the script keeps the rest.
  assert.deepEqual(parseEventScript("user=FOO=1 ./x.sh"), [{
    event: "user",
    name: "",
    script: "FOO=1 ./x.sh",
  }]);
  assert.deepEqual(parseEventScript("user:=x.sh"), [{ event: "user", name: "", script: "x.sh" }]);
  assert.deepEqual(parseEventScript("=x.sh"), [{ event: "*", name: "", script: "x.sh" }]);
});

Deno.test("parseEventHandlers rejects unknown event types with Serf's text", () => {
  const bad: [string, string][] = [
    ["foo=bar.sh", "Invalid event script: Event 'foo' invoking 'bar.sh'"],
    ["FOO=1 ./x.sh", "Invalid event script: Event 'FOO' invoking '1 ./x.sh'"],
    ["member-join,,user=x", "Invalid event script: Event '' invoking 'x'"],
    ["member-join:x=y", "Invalid event script: Event 'member-join:x' invoking 'y'"],
    ["Member-Join=y", "Invalid event script: Event 'Member-Join' invoking 'y'"],
  ];
  for (const [spec, message] of bad) {
    assert.throws(() => parseEventHandlers(["ok.sh", spec]), { name: "SyntaxError", message }, spec);
  }
  assert.equal(parseEventHandlers(["a.sh", "member-reap,member-update,member-leave=b.sh"]).length, 4);
});

Deno.test("describeEventScript and describeEvent use Serf's wording", () => {
  assert.equal(
    describeEventScript({ event: "user", name: "deploy", script: "d.sh" }),
    "Event 'user:deploy' invoking 'd.sh'",
  );
  assert.equal(describeEventScript({ event: "*", name: "", script: "a.sh" }), "Event '*' invoking 'a.sh'");
  assert.equal(describeEvent(join), "member-join");
  assert.equal(describeEvent(user("deploy")), "user-event: deploy");
  assert.equal(describeEvent(query("uptime")), "query: uptime");
});

Deno.test("eventScriptMatches filters by type and by user event or query name", () => {
  const s = (spec: string) => parseEventScript(spec)[0]!;
  assert.ok(eventScriptMatches(s("x.sh"), join));
  assert.ok(eventScriptMatches(s("x.sh"), user("a")));
  assert.ok(eventScriptMatches(s("member-join=x"), join));
  assert.ok(!eventScriptMatches(s("member-leave=x"), join));
  assert.ok(eventScriptMatches(s("user=x"), user("any")));
  assert.ok(eventScriptMatches(s("user:deploy=x"), user("deploy")));
  assert.ok(!eventScriptMatches(s("user:deploy=x"), user("deploy2")));
  assert.ok(!eventScriptMatches(s("user:deploy=x"), query("deploy")));
  assert.ok(eventScriptMatches(s("query:uptime=x"), query("uptime")));
  assert.ok(!eventScriptMatches(s("query:uptime=x"), query("load")));
  assert.ok(!eventScriptMatches(s("query=x"), user("a")));
});

Deno.test("ScriptEventHandler with concurrency 1 runs scripts one at a time in event order (Serf's)", async () => {
  const runs: string[] = [];
  let active = 0;
  const scripts: EventScript[] = parseEventHandlers(["member-join=j", "user=u", "*=all"]);
  const handler = new ScriptEventHandler({
    scripts,
    self: () => member("self"),
    logger: silentLogger(),
    concurrency: 1,
    async invoke(script, _self, event) {
      active++;
      assert.equal(active, 1, "runs overlap");
      await new Promise((r) => setTimeout(r, 5));
      runs.push(`${script}:${describeEvent(event)}`);
      active--;
      if (script === "u") throw new Error("exit status 1"); // logged, does not stop the queue
    },
  });
  handler.handleEvent(join);
  handler.handleEvent(user("deploy"));
  while (runs.length < 1) await new Promise((r) => setTimeout(r, 1));
  handler.updateScripts(parseEventHandlers(["query=q"]));
  handler.handleEvent(query("uptime"));
  await handler.close();
  // The update applies from the next event taken off the queue: the user event, queued behind
  // the join, already sees the new handlers (none match it).
  assert.deepEqual(runs, ["j:member-join", "all:member-join", "q:query: uptime"]);
});

Deno.test("ScriptEventHandler.abandon kills the running handler and drops the rest", async () => {
  const runs: string[] = [];
  const handler = new ScriptEventHandler({
    scripts: parseEventHandlers(["x"]),
    self: () => member("self"),
    logger: silentLogger(),
    concurrency: 1,
    invoke: (_script, _self, event, signal) =>
      new Promise<void>((resolve, reject) => {
        runs.push(event.type);
        signal.addEventListener("abort", () => reject(new Error("signal: killed")));
        if (signal.aborted) reject(new Error("signal: killed"));
        void resolve;
      }),
  });
  handler.handleEvent(join);
  handler.handleEvent(user("a"));
  await new Promise((r) => setTimeout(r, 10));
  handler.abandon();
  await handler.close();
  assert.deepEqual(runs, ["member-join"]);
});

Deno.test("ScriptEventHandler: a slow handler drops user events past the bound, never a membership change", async () => {
  const runs: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handler = new ScriptEventHandler({
    scripts: parseEventHandlers(["x"]),
    self: () => member("self"),
    logger: silentLogger(),
    capacity: 4,
    concurrency: 1,
    async invoke(_script, _self, event) {
      await gate; // the first handler run hangs until released
      runs.push(describeEvent(event));
    },
  });
  handler.handleEvent(user("first"));
  await new Promise((r) => setTimeout(r, 5)); // the first event is now running
  for (let i = 0; i < 20; i++) {
    handler.handleEvent(user(`u${i}`));
    if (i % 4 === 0) handler.handleEvent(join);
  }
  release();
  await handler.close();
  const joins = runs.filter((r) => r === describeEvent(join)).length;
  assert.equal(joins, 5, `every member-join ran: ${runs.join(",")}`);
  assert.ok(runs.length < 26, "user events past the bound were dropped");
  assert.ok(runs.includes(describeEvent(user("u19"))), `the newest user event survived: ${runs.join(",")}`);
});
