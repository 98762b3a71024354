/**
 * A wall-clock step (NTP, an operator's `date -s`) must not touch the protocol:
 * every duration runs on the monotonic clock. The cluster runs on virtual time
 * while both the injected clock's wall time and the process's `Date.now` are
 * stepped by hours in each direction; nobody may be declared failed, a failed
 * node may not be reaped before its reconnect timeout, and the round trips fed
 * into Vivaldi must stay the network's.
 */
import assert from "node:assert/strict";
import { distanceTo } from "../../lib/coordinate/coordinate.ts";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const HOUR_MS = 3_600_000;

/** Steps both the injected wall clock and `Date.now` by `ms` for the rest of the test. */
function wallStepper(c: SerfCluster): { step(ms: number): void; restore(): void } {
  const realNow = Date.now;
  let offset = 0;
  Date.now = () => realNow() + offset;
  return {
    step(ms: number) {
      offset += ms;
      c.clock.stepWall(ms);
    },
    restore() {
      Date.now = realNow;
    },
  };
}

function badEvents(c: SerfCluster): string[] {
  return c.nodes.flatMap((n) =>
    n.events.filter((e) =>
      e.type === "member-failed" || e.type === "member-reap" || e.type === "member-leave"
    )
      .map((e) => `${n.name}: ${e.type}`)
  );
}

Deno.test(
  "Serf: wall-clock steps declare nobody failed, reap nothing early, keep RTTs true",
  opts,
  async () => {
    const c = new SerfCluster(41);
    const serfOptions = { reconnectTimeoutMs: 60_000, reapIntervalMs: 5_000, tombstoneTimeoutMs: 60_000 };
    for (const name of ["a", "b", "c", "d"]) await c.add(name, serfOptions);
    const wall = wallStepper(c);
    try {
      await c.joinAll();
      assert.ok(await c.converge(4));
      await c.clock.advance(20_000); // let coordinates settle on the 1 ms links

      wall.step(2 * HOUR_MS);
      await c.clock.advance(10_000);
      wall.step(-4 * HOUR_MS);
      await c.clock.advance(10_000);
      assert.deepEqual(badEvents(c), []);
      for (const n of c.nodes) {
        assert.equal(n.serf.allMembers().filter((m) => m.status === "alive").length, 4, `${n.name}'s view`);
      }

      // Every pair's estimate stays near the simulated 2 ms round trip.
      for (const x of c.nodes) {
        for (const y of c.nodes) {
          if (x === y) continue;
          const other = x.serf.getCachedCoordinate(y.name);
          assert.ok(other, `${x.name} has no coordinate for ${y.name}`);
          const rttMs = distanceTo(x.serf.getCoordinate()!, other) * 1000;
          assert.ok(rttMs > 0.5 && rttMs < 10, `${x.name}->${y.name} estimate ${rttMs} ms`);
        }
      }

      // d fails; a jump of the wall clock past the reconnect timeout must not reap it.
      const d = c.nodes.pop()!;
      await c.run(d.serf.shutdown(), 5_000);
      const [a] = c.nodes;
      assert.ok(await c.clock.advanceUntil(() => c.statusOf(a!, "d") === "failed", 30_000, 100));
      wall.step(3 * HOUR_MS);
      await c.clock.advance(30_000);
      assert.equal(c.statusOf(a!, "d"), "failed", "d was reaped before its reconnect timeout");
      assert.ok(
        await c.clock.advanceUntil(() => c.statusOf(a!, "d") === undefined, 60_000, 500),
        "d was never reaped",
      );
      assert.ok(a!.events.some((e) => e.type === "member-reap"));
    } finally {
      wall.restore();
      await c.shutdown();
    }
  },
);
