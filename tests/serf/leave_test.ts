import assert from "node:assert/strict";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Serf.leave finishes with warnings when its broadcasts cannot be confirmed", opts, async () => {
  const c = new SerfCluster(21);
  // "a" never gossips or probes, so neither its leave intent nor memberlist's
  // dead-self message can go out before the broadcast timeout.
  const a = await c.add("a", {
    broadcastTimeoutMs: 1_000,
    memberlist: { gossipNodes: 0, probeIntervalMs: 3_600_000 },
  });
  await c.add("b");
  await c.joinAll();
  assert.ok(await c.clock.advanceUntil(() => c.statusOf(a, "b") === "alive", 10_000, 100));

  await c.run(a.serf.leave());

  assert.equal(a.serf.state, "left");
  const warnings = a.logs.filter((l) => l.includes("[WARN]"));
  assert.ok(
    warnings.some((l) => l.includes("serf: timeout while waiting for graceful leave")),
    warnings.join("\n"),
  );
  assert.ok(
    warnings.some((l) => l.includes("serf: timeout waiting for leave broadcast: ")),
    warnings.join("\n"),
  );
  // A second call is a no-op, as for any finished leave.
  await c.run(a.serf.leave());
  await c.shutdown();
});
