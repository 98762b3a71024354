/**
 * The CI form of the live fuzz (`deno task fuzz --live` runs 100,000 inputs
 * against serfts and the real serf): 5,000 random and mutated inputs to a
 * running serfts agent's gossip UDP, gossip TCP and RPC ports. It must still
 * answer, with the same members and Lamport clocks.
 *
 * Memory: the full run holds serfts to 10% growth; here, on `deno run` (CI
 * does not build dist/serfts first), the runtime keeps native memory from the
 * thousands of short TCP connections (see docs/reliability.md, "Bad input"),
 * so this form only bounds growth against an unbounded leak.
 */
import assert from "node:assert/strict";
import { describeLive, liveFuzz } from "../../scripts/fuzz/live.ts";

Deno.test(
  "A live serfts agent survives 5,000 fuzzed inputs with its members, clocks and memory intact",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const r = await liveFuzz("serfts", { inputs: 5_000, warmup: 500, settleMs: 10_000, seed: 20261202 });
    const figures = describeLive(r);
    console.log(figures);
    assert.equal(r.crashedAfter, undefined, figures);
    assert.equal(r.sent.total, 5_000, figures);
    assert.ok(r.answersAfter, figures);
    assert.ok(r.membersUnchanged, figures);
    assert.ok(r.clocksUnchanged, figures);
    assert.ok(r.rssGrowthPct !== undefined && r.rssGrowthPct < 200, figures);
  },
);
