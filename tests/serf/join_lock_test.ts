/**
 * Joins run one at a time, as under Serf's join lock: a join that asked to
 * replay old user events gets them even while another join that asked to
 * ignore them is under way.
 */
import assert from "node:assert/strict";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("Serf.join: concurrent joins with different replay settings do not clash", opts, async () => {
  const c = new SerfCluster(51, () => 5);
  const seed = await c.add("seed");
  const a = await c.add("a");
  seed.serf.userEvent("before-a-joined", new Uint8Array([1]), false);
  await c.clock.advance(100);

  const replaying = a.serf.join([seed.address], false);
  const ignoring = a.serf.join([seed.address], true);
  assert.deepEqual(await c.run(Promise.all([replaying, ignoring])), [1, 1]);
  await c.clock.advance(1_000);
  const replayed = a.events.filter((e) => e.type === "user" && e.name === "before-a-joined");
  assert.equal(replayed.length, 1, "the replaying join delivered the old event once");
  await c.shutdown();
});
