/**
 * serf#509 / serf#398: a query finishes as soon as every member its filters
 * matched at send time has responded (and acked, when acks were asked for);
 * `waitForTimeout` keeps Serf's wait for the whole timeout.
 */
import assert from "node:assert/strict";
import type { QueryParam } from "../../lib/serf/query_response.ts";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const text = (s: string) => new TextEncoder().encode(s);

async function cluster(seed: number) {
  const c = new SerfCluster(seed);
  for (const [n, role] of [["a", "web"], ["b", "web"], ["c", "db"]]) {
    await c.add(n!, { tags: { role: role! } });
  }
  await c.joinAll();
  assert.ok(await c.converge(3));
  // Every node answers each query once, with its name.
  const answered = new WeakSet<object>();
  const answerAll = () => {
    for (const n of c.nodes) {
      for (const e of n.events) {
        if (e.type === "query" && !answered.has(e)) {
          answered.add(e);
          e.respond(text(n.name));
        }
      }
    }
  };
  return { c, answerAll };
}

/** Runs a query from node a; returns when it finished (virtual ms) and who answered. */
async function timedQuery(seed: number, params: QueryParam) {
  const { c, answerAll } = await cluster(seed);
  const started = c.clock.now();
  const resp = c.nodes[0]!.serf.query("uptime", text(""), { timeoutMs: 10_000, ...params });
  const from: string[] = [];
  const acks: string[] = [];
  const drained = Promise.all([
    (async () => {
      for await (const r of resp.responses) from.push(r.from);
    })(),
    (async () => {
      for await (const a of resp.acks ?? []) acks.push(a);
    })(),
  ]);
  for (let i = 0; i < 200 && !resp.finished(); i++) {
    answerAll();
    await c.clock.advance(50);
  }
  await drained;
  const tookMs = c.clock.now() - started;
  await c.shutdown();
  return { tookMs, from: from.sort(), acks: acks.sort() };
}

Deno.test("Query: finishes once every matched member answered, long before the timeout", opts, async () => {
  const all = await timedQuery(61, { requestAck: true });
  assert.deepEqual(all.from, ["a", "b", "c"]);
  assert.deepEqual(all.acks, ["a", "b", "c"]);
  assert.ok(all.tookMs < 1_000, `took ${all.tookMs} ms of a 10 s timeout`);

  const web = await timedQuery(62, { filterTags: { role: "^web$" } });
  assert.deepEqual(web.from, ["a", "b"]);
  assert.ok(web.tookMs < 1_000, `filtered query took ${web.tookMs} ms`);
});

Deno.test("Query: waitForTimeout keeps Serf's wait for the whole timeout", opts, async () => {
  const r = await timedQuery(63, { waitForTimeout: true });
  assert.deepEqual(r.from, ["a", "b", "c"]);
  assert.ok(r.tookMs >= 10_000, `finished after ${r.tookMs} ms`);
});

Deno.test("Query: a matched member that never answers holds the query to its timeout", opts, async () => {
  const { c, answerAll } = await cluster(64);
  const silent = c.nodes[2]!;
  const started = c.clock.now();
  const resp = c.nodes[0]!.serf.query("uptime", text(""), { timeoutMs: 5_000 });
  const drained = (async () => {
    for await (const _ of resp.responses) { /* drain */ }
  })();
  for (let i = 0; i < 200 && !resp.finished(); i++) {
    for (const e of silent.events) if (e.type === "query") silent.events.splice(silent.events.indexOf(e), 1);
    answerAll();
    await c.clock.advance(50);
  }
  await drained;
  assert.ok(c.clock.now() - started >= 5_000);
  await c.shutdown();
});
