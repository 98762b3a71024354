import assert from "node:assert/strict";
import { distanceTo } from "../../lib/coordinate/coordinate.ts";
import { MinRttFilter } from "../../lib/serf/rtt_filter.ts";
import { defaultSerfConfig } from "../../lib/serf/config.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("MinRttFilter feeds the least of each node's last samples, per node", () => {
  const f = new MinRttFilter(2);
  assert.equal(f.observe("a", 5), 5);
  assert.equal(f.observe("b", 1), 1);
  assert.equal(f.observe("a", 3), 3);
  assert.equal(f.observe("a", 9), 3);
  assert.equal(f.observe("a", 9), 9);
  f.forget("a");
  assert.equal(f.observe("a", 7), 7);
  assert.throws(() => new MinRttFilter(0), /'window' must be a positive integer/);
  assert.equal(defaultSerfConfig().rttMinWindow, 5);
});

/** Median estimate error (ms) against the 2 ms path when a third of packets wait up to 6 ms more on a host. */
async function estimateError(rttMinWindow: number): Promise<number> {
  const jitter = new SeededRandom(5);
  const c = new SerfCluster(77, () => 1 + (jitter.next() < 0.33 ? jitter.next() * 6 : 0));
  for (const name of ["a", "b", "c", "d", "e"]) await c.add(name, { rttMinWindow });
  try {
    await c.joinAll();
    assert.ok(await c.converge(5));
    await c.clock.advance(120_000);
    const errors: number[] = [];
    for (const x of c.nodes) {
      for (const y of c.nodes) {
        if (x === y) continue;
        const other = x.serf.getCachedCoordinate(y.name)!;
        errors.push(Math.abs(distanceTo(x.serf.getCoordinate()!, other) * 1000 - 2));
      }
    }
    errors.sort((p, q) => p - q);
    return errors[Math.floor(errors.length / 2)]!;
  } finally {
    await c.shutdown();
  }
}

Deno.test(
  "Serf: with host delays on the path, the min-RTT window keeps estimates nearer the wire",
  opts,
  async () => {
    const serfLike = await estimateError(1);
    const minFiltered = await estimateError(5);
    assert.ok(
      minFiltered < serfLike / 2,
      `min window error ${minFiltered} ms, every-sample error ${serfLike} ms`,
    );
    assert.ok(minFiltered < 0.5, `min window error ${minFiltered} ms`);
  },
);
