/**
 * Name-conflict resolution on virtual time: a second node taking a member's
 * name asks the cluster (`_serf_conflict`) who owns it, finds itself in the
 * minority and shuts down; the owner and everyone else keep the original.
 */
import assert from "node:assert/strict";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "Serf name conflict: the newcomer with a taken name loses the vote and shuts down",
  opts,
  async () => {
    const c = new SerfCluster(51);
    for (const n of ["a", "b", "c", "d"]) await c.add(n);
    await c.joinAll();
    assert.ok(await c.converge(4));
    const [a, b] = c.nodes;
    const impostor = await c.add("a", { port: 8100 });
    const joining = impostor.serf.join([b!.address]).catch((err) => err);
    const lost = await c.clock.advanceUntil(
      () => impostor.logs.some((l) => l.includes("minority in name conflict resolution, quitting")),
      30_000,
      50,
    );
    assert.ok(lost, impostor.logs.join("\n"));
    await c.clock.advanceUntil(() => impostor.serf.state === "shutdown", 5_000, 50);
    assert.equal(impostor.serf.state, "shutdown");
    await c.run(joining);
    // Everyone still knows "a" at its own address, alive.
    for (const n of c.nodes.slice(0, 4)) {
      const seen = n.serf.allMembers().find((m) => m.name === "a")!;
      assert.deepEqual([seen.port, seen.status], [a!.addr.port, "alive"], `${n.name}'s view of a`);
    }
    assert.ok(!a!.logs.some((l) => l.includes("minority in name conflict resolution")), "the owner stays");
    await c.shutdown();
  },
);

Deno.test("Serf name conflict: with resolution disabled the newcomer keeps running", opts, async () => {
  const c = new SerfCluster(52);
  for (const n of ["a", "b", "c"]) await c.add(n);
  await c.joinAll();
  assert.ok(await c.converge(3));
  const impostor = await c.add("a", { port: 8100, enableNameConflictResolution: false });
  const joining = impostor.serf.join([c.nodes[1]!.address]).catch((err) => err);
  await c.clock.advance(10_000);
  await c.run(joining);
  assert.ok(!impostor.logs.some((l) => l.includes("name conflict resolution")));
  assert.notEqual(impostor.serf.state, "shutdown");
  await c.shutdown();
});
