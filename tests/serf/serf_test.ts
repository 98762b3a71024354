import assert from "node:assert/strict";
import { encodeKeyBase64, Keyring } from "../../lib/memberlist/keyring.ts";
import type { MemberEvent, UserEvent } from "../../lib/serf/types.ts";
import { serfCoreOf } from "../../lib/serf/serf.ts";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("Serf: members join with tags, and tag changes propagate", opts, async () => {
  const c = new SerfCluster(1);
  await c.add("a", { tags: { role: "web" } });
  await c.add("b", { tags: { role: "db", dc: "east" } });
  await c.add("c");
  await c.joinAll();
  assert.ok(await c.converge(3));
  const viewOfB = c.nodes[0]!.serf.allMembers().find((m) => m.name === "b")!;
  assert.deepEqual(viewOfB.tags, { role: "db", dc: "east" });
  await c.run(c.nodes[1]!.serf.setTags({ role: "db", dc: "west" }));
  assert.ok(
    await c.clock.advanceUntil(
      () => c.nodes.every((n) => n.serf.allMembers().find((m) => m.name === "b")!.tags.dc === "west"),
      10_000,
      100,
    ),
  );
  const updates = c.nodes[0]!.events.filter((e) => e.type === "member-update") as MemberEvent[];
  assert.ok(updates.some((e) => e.members[0]!.name === "b"));
  await c.shutdown();
});

Deno.test("Serf: user events reach every node once, with name, payload and LTime", opts, async () => {
  const c = new SerfCluster(2);
  for (const n of ["a", "b", "c", "d"]) await c.add(n);
  await c.joinAll();
  assert.ok(await c.converge(4));
  c.nodes[2]!.serf.userEvent("deploy", text("v1"), false);
  const got = await c.clock.advanceUntil(
    () => c.nodes.every((n) => n.events.some((e) => e.type === "user" && e.name === "deploy")),
    10_000,
    50,
  );
  assert.ok(got);
  await c.clock.advance(10_000);
  for (const n of c.nodes) {
    const evs = n.events.filter((e) => e.type === "user") as UserEvent[];
    assert.equal(evs.length, 1, `${n.name} got ${evs.length}`);
    assert.equal(str(evs[0]!.payload), "v1");
    assert.equal(evs[0]!.lTime, (c.nodes[2]!.events.find((e) => e.type === "user") as UserEvent).lTime);
  }
  assert.throws(
    () => c.nodes[0]!.serf.userEvent("big", new Uint8Array(600), false),
    /exceeds configured limit of 512/,
  );
  await c.shutdown();
});

Deno.test("Serf: queries collect acks and responses, honour filters", opts, async () => {
  const c = new SerfCluster(3);
  for (const [n, role] of [["a", "web"], ["b", "web"], ["c", "db"]]) {
    await c.add(n!, { tags: { role: role! } });
  }
  await c.joinAll();
  assert.ok(await c.converge(3));
  // Every node answers queries with its name.
  const answer = () => {
    for (const n of c.nodes) {
      for (const e of n.events) {
        if (e.type === "query" && !(e as unknown as { answered?: boolean }).answered) {
          (e as unknown as { answered: boolean }).answered = true;
          e.respond(text(`pong from ${n.name}`));
        }
      }
    }
  };
  const resp = c.nodes[0]!.serf.query("ping", text("hi"), {
    requestAck: true,
    filterTags: { role: "^web$" },
  });
  const acks: string[] = [];
  const responses: string[] = [];
  (async () => {
    for await (const a of resp.acks!) acks.push(a);
  })();
  (async () => {
    for await (const r of resp.responses) responses.push(`${r.from}:${str(r.payload)}`);
  })();
  for (let i = 0; i < 100 && !resp.finished(); i++) {
    answer();
    await c.clock.advance(100);
  }
  await c.clock.advance(100);
  assert.deepEqual(acks.sort(), ["a", "b"]);
  assert.deepEqual(responses.sort(), ["a:pong from a", "b:pong from b"]);
  // Node filter
  const r2 = c.nodes[1]!.serf.query("ping", text(""), { filterNodes: ["c"], timeoutMs: 2_000 });
  const got2: string[] = [];
  (async () => {
    for await (const r of r2.responses) got2.push(r.from);
  })();
  for (let i = 0; i < 30; i++) {
    answer();
    await c.clock.advance(100);
  }
  assert.deepEqual(got2, ["c"]);
  await c.shutdown();
});

Deno.test("Serf: graceful leave shows left; a crash shows failed, then reaped", opts, async () => {
  const c = new SerfCluster(4);
  for (const n of ["a", "b", "c"]) {
    await c.add(n, { reconnectTimeoutMs: 20_000, reapIntervalMs: 1_000, tombstoneTimeoutMs: 3_600_000 });
  }
  await c.joinAll();
  assert.ok(await c.converge(3));
  await c.run(c.nodes[1]!.serf.leave());
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(c.nodes[0]!, "b") === "left", 10_000, 100));
  await c.run(c.nodes[1]!.serf.shutdown());
  c.network.kill(c.nodes[2]!.addr);
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(c.nodes[0]!, "c") === "failed", 60_000, 100));
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(c.nodes[0]!, "c") === undefined, 60_000, 500));
  const types = c.nodes[0]!.events.filter((e) => e.type.startsWith("member-")).map((e) =>
    `${e.type}:${(e as MemberEvent).members[0]!.name}`
  );
  assert.ok(types.includes("member-leave:b"), types.join(","));
  assert.ok(types.includes("member-failed:c"), types.join(","));
  assert.ok(types.includes("member-reap:c"), types.join(","));
  assert.equal(c.statusOf(c.nodes[0]!, "b"), "left"); // tombstone kept
  await c.shutdown();
});

Deno.test("Serf: force-leave turns a failed member into left, prune forgets it", opts, async () => {
  const c = new SerfCluster(5);
  for (const n of ["a", "b", "c"]) await c.add(n);
  await c.joinAll();
  assert.ok(await c.converge(3));
  c.network.kill(c.nodes[2]!.addr);
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(c.nodes[0]!, "c") === "failed", 60_000, 100));
  await c.run(c.nodes[0]!.serf.forceLeave("c"));
  assert.ok(
    await c.clock.advanceUntil(
      () => c.statusOf(c.nodes[0]!, "c") === "left" && c.statusOf(c.nodes[1]!, "c") === "left",
      10_000,
      100,
    ),
  );
  await c.run(c.nodes[0]!.serf.forceLeave("c", true));
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(c.nodes[1]!, "c") === undefined, 10_000, 100));
  await c.shutdown();
});

Deno.test("Serf: key rotation through internal queries", opts, async () => {
  const k1 = new Uint8Array(16).fill(1);
  const k2 = new Uint8Array(16).fill(2);
  const c = new SerfCluster(6);
  for (const n of ["a", "b", "c"]) await c.add(n, { memberlist: { keyring: new Keyring([k1], k1) } });
  await c.joinAll();
  assert.ok(await c.converge(3));
  const s = c.nodes[0]!.serf;
  const install = await c.run(s.keyOperation("install-key", encodeKeyBase64(k2)));
  assert.equal(install.error, undefined, JSON.stringify(install));
  assert.equal(install.response.numResp, 3);
  const use = await c.run(s.keyOperation("use-key", encodeKeyBase64(k2)));
  assert.equal(use.error, undefined);
  const remove = await c.run(s.keyOperation("remove-key", encodeKeyBase64(k1)));
  assert.equal(remove.error, undefined);
  const list = await c.run(s.keyOperation("list-keys"));
  assert.deepEqual(list.response.keys, { [encodeKeyBase64(k2)]: 3 });
  assert.deepEqual(list.response.primaryKeys, { [encodeKeyBase64(k2)]: 3 });
  const bad = await c.run(s.keyOperation("remove-key", encodeKeyBase64(k2)));
  assert.match(bad.error ?? "", /3\/3 nodes reported failure/);
  // Still a healthy cluster on the new key.
  await c.clock.advance(10_000);
  assert.ok(await c.converge(3));
  await c.shutdown();
});

Deno.test("Serf: intents for unknown nodes are buffered and applied on join", opts, async () => {
  const c = new SerfCluster(7);
  const a = await c.add("a");
  const { handleJoinIntent, handleLeaveIntent } = await import("../../lib/serf/members.ts");
  const core = serfCoreOf(a.serf);
  assert.equal(handleLeaveIntent(core, { lTime: 50, node: "ghost", prune: false }), true);
  assert.equal(handleLeaveIntent(core, { lTime: 40, node: "ghost", prune: false }), false);
  assert.equal(handleJoinIntent(core, { lTime: 70, node: "late" }), true);
  assert.ok(core.memberClock.time() > 70);

  // ghost joins: a creates its member from the buffered leave intent, so it starts out leaving.
  const ghost = await c.add("ghost");
  await c.run(ghost.serf.join([a.address]));
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(a, "ghost") !== undefined, 5_000, 10));
  const firstJoin = a.events.find((e): e is MemberEvent =>
    e.type === "member-join" && e.members.some((m) => m.name === "ghost")
  );
  assert.equal(firstJoin?.members[0]?.status, "leaving", "the buffered leave intent was applied on join");

  // late joins: its member starts at the buffered join intent's LTime, so an older leave is stale.
  const late = await c.add("late");
  await c.run(late.serf.join([a.address]));
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(a, "late") !== undefined, 5_000, 10));
  assert.equal(handleLeaveIntent(core, { lTime: 60, node: "late", prune: false }), false);
  assert.equal(c.statusOf(a, "late"), "alive");
  await c.shutdown();
});
