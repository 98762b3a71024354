import assert from "node:assert/strict";
import { encodeFilters, shouldProcessQuery } from "../../lib/serf/query.ts";
import { QueryResponse, QuerySeen } from "../../lib/serf/query_response.ts";
import { serfCoreOf } from "../../lib/serf/serf.ts";
import { encodeFilter } from "../../lib/serf/messages.ts";
import { SerfCluster, type TestSerf } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Query filters: node lists and tag regexes, all must match", opts, async () => {
  const c = new SerfCluster(11);
  const a = await c.add("web-1", { tags: { role: "web", dc: "east" } });
  const s = serfCoreOf(a.serf);
  assert.ok(shouldProcessQuery(s, []));
  assert.ok(shouldProcessQuery(s, encodeFilters({ filterNodes: ["db-1", "web-1"] })));
  assert.ok(!shouldProcessQuery(s, encodeFilters({ filterNodes: ["db-1"] })));
  assert.ok(shouldProcessQuery(s, encodeFilters({ filterTags: { role: "^w.b$" } })));
  assert.ok(!shouldProcessQuery(s, encodeFilters({ filterTags: { role: "^db" } })));
  assert.ok(!shouldProcessQuery(s, encodeFilters({ filterTags: { role: "web", dc: "west" } })));
  // A tag we do not have matches only an expression that accepts the empty string.
  assert.ok(shouldProcessQuery(s, encodeFilters({ filterTags: { rack: ".*" } })));
  assert.ok(!shouldProcessQuery(s, encodeFilters({ filterTags: { rack: ".+" } })));
  // A bad regex or an unknown filter type never matches.
  assert.ok(!shouldProcessQuery(s, [encodeFilter({ type: "tag", tag: "role", expr: "(" })]));
  assert.ok(!shouldProcessQuery(s, [new Uint8Array([7, 0x90])]));
  await c.shutdown();
});

Deno.test("Query default timeout scales with cluster size as Serf's", opts, async () => {
  const c = new SerfCluster(12);
  for (let i = 0; i < 10; i++) await c.add(`n${i}`);
  // Serf: gossip interval (200 ms) * queryTimeoutMult (16) * ceil(log10(members + 1)).
  const timeout = () => c.nodes[0]!.serf.defaultQueryTimeoutMs();
  assert.equal(timeout(), 3_200); // 1 member: ceil(log10(2)) = 1
  for (const n of c.nodes.slice(1, 9)) await c.run(n.serf.join([c.nodes[0]!.address]));
  assert.ok(await c.clock.advanceUntil(() => c.nodes[0]!.serf.allMembers().length === 9, 10_000, 50));
  assert.equal(timeout(), 3_200); // 9 members: ceil(log10(10)) = 1
  await c.run(c.nodes[9]!.serf.join([c.nodes[0]!.address]));
  assert.ok(await c.clock.advanceUntil(() => c.nodes[0]!.serf.allMembers().length === 10, 10_000, 50));
  assert.equal(timeout(), 6_400); // 10 members: ceil(log10(11)) = 2
  await c.shutdown();
});

Deno.test("QueryResponse ignores duplicates and anything after its deadline", () => {
  let now = 1_000;
  const r = new QueryResponse({ id: 1, lTime: 5, deadline: 2_000, ack: true, expected: 3, now: () => now });
  r.addAck("a");
  r.addAck("a");
  r.addResponse({ from: "a", payload: new Uint8Array([1]) });
  r.addResponse({ from: "a", payload: new Uint8Array([2]) });
  assert.equal(r.acks!.size, 1);
  assert.equal(r.responses.size, 1);
  now = 2_001;
  assert.ok(r.finished());
  r.addResponse({ from: "b", payload: new Uint8Array() });
  assert.equal(r.responses.size, 1);
  r.close();
  assert.ok(r.responses.closed);
});

Deno.test("Query dedupe ring remembers (LTime, id) pairs per slot", () => {
  const seen = new QuerySeen(4);
  assert.ok(seen.record(10, 1));
  assert.ok(!seen.record(10, 1));
  assert.ok(seen.record(10, 2));
  assert.ok(seen.record(14, 1)); // same slot, newer LTime replaces it
  assert.ok(seen.record(10, 1));
});

Deno.test("Query: responses stop at the timeout and the query is forgotten", opts, async () => {
  const c = new SerfCluster(13);
  for (const n of ["a", "b"]) await c.add(n);
  await c.joinAll();
  assert.ok(await c.converge(2));
  const r = c.nodes[0]!.serf.query("nobody-answers", new Uint8Array(), { timeoutMs: 1_000 });
  assert.equal(serfCoreOf(c.nodes[0]!.serf).pendingQueries.size, 1);
  await c.clock.advance(1_001);
  assert.ok(r.finished());
  assert.ok(r.responses.closed);
  assert.equal(serfCoreOf(c.nodes[0]!.serf).pendingQueries.size, 0);
  assert.throws(
    () => c.nodes[0]!.serf.query("big", new Uint8Array(2_000)),
    /query exceeds limit of 1024 bytes/,
  );
  await c.shutdown();
});

Deno.test(
  "Query responses are relayed through relayFactor members when the direct path is down",
  opts,
  async () => {
    const c = new SerfCluster(13);
    for (const n of ["asker", "responder", "m1", "m2"]) await c.add(n);
    await c.joinAll();
    assert.ok(await c.converge(4));
    const [asker, responder] = c.nodes as [TestSerf, TestSerf];
    // The responder's packets to the asker are lost; everything else flows.
    c.network.blockUdp(responder.addr, asker.addr);
    const answered = new Set<unknown>();
    const ask = async (relayFactor: number) => {
      const resp = asker.serf.query("where", new Uint8Array(), {
        filterNodes: ["responder"],
        relayFactor,
        timeoutMs: 3_000,
      });
      const got: string[] = [];
      const reading = (async () => {
        for await (const r of resp.responses) got.push(`${r.from}=${new TextDecoder().decode(r.payload)}`);
      })();
      await c.clock.advanceUntil(
        () => {
          for (const e of responder.events) {
            if (e.type === "query" && e.name === "where" && !answered.has(e)) {
              answered.add(e);
              e.respond(new TextEncoder().encode(`here ${relayFactor}`));
            }
          }
          return resp.finished();
        },
        10_000,
        50,
      );
      await c.clock.advance(10);
      await reading;
      return got;
    };
    assert.deepEqual(await ask(0), [], "without relays the response is lost");
    assert.deepEqual(await ask(2), ["responder=here 2"], "a relay delivers it, once");
    await c.shutdown();
  },
);
