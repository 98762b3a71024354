import assert from "node:assert/strict";
import { CoordinateClient, MAX_RTT_MS } from "../../lib/coordinate/client.ts";
import { DEFAULT_COORDINATE_CONFIG, defaultCoordinateConfig } from "../../lib/coordinate/config.ts";
import {
  DimensionalityConflictError,
  isValidCoordinate,
  newCoordinate,
} from "../../lib/coordinate/coordinate.ts";
import { SeededRandom } from "../../lib/util/random.ts";

Deno.test("defaultCoordinateConfig returns Serf's DefaultConfig as a fresh copy", () => {
  const config = defaultCoordinateConfig();
  assert.deepEqual(config, {
    dimensionality: 8,
    vivaldiErrorMax: 1.5,
    vivaldiCE: 0.25,
    vivaldiCC: 0.25,
    adjustmentWindowSize: 20,
    heightMin: 10e-6,
    latencyFilterSize: 3,
    gravityRho: 150,
  });
  config.dimensionality = 2;
  assert.equal(defaultCoordinateConfig().dimensionality, 8);
  assert.ok(Object.isFrozen(DEFAULT_COORDINATE_CONFIG));
});

Deno.test("CoordinateClient rejects invalid settings and starts at the origin", () => {
  assert.throws(
    () => new CoordinateClient({ dimensionality: 0 }),
    { name: "RangeError", message: /'dimensionality' must be a positive integer: current value is 0/ },
  );
  assert.throws(() => new CoordinateClient({ latencyFilterSize: 0 }), RangeError);
  assert.throws(() => new CoordinateClient({ adjustmentWindowSize: 1.5 }), RangeError);
  assert.throws(() => new CoordinateClient({ gravityRho: 0 }), RangeError);
  assert.throws(() => new CoordinateClient({ vivaldiCC: NaN }), RangeError);
  const config = { ...defaultCoordinateConfig(), dimensionality: 7 };
  const client = new CoordinateClient(config);
  assert.deepEqual(client.getCoordinate(), newCoordinate(config));
  assert.deepEqual(client.config, config);
});

Deno.test("CoordinateClient.update moves away from a node that is farther than it looks", () => {
  const client = new CoordinateClient({ dimensionality: 3 });
  assert.deepEqual(client.getCoordinate().vec, [0, 0, 0]);

  const other = newCoordinate(client.config);
  other.vec[2] = 0.001;
  const c = client.update("node", other, 2 * other.vec[2]! * 1000);
  assert.ok(c.vec[2]! < 0, `z = ${c.vec[2]}`);

  c.vec[2] = 99;
  client.setCoordinate(c);
  assert.equal(client.getCoordinate().vec[2], 99);
  // The client keeps its own copy.
  c.vec[2] = 5;
  assert.equal(client.getCoordinate().vec[2], 99);
});

Deno.test("CoordinateClient.update validates the round-trip time and leaves the estimate alone", () => {
  const client = new CoordinateClient({ dimensionality: 3 });
  const other = newCoordinate(client.config);
  other.vec[2] = 0.001;
  const before = client.distanceTo(other);
  for (const rtt of [Number.MAX_SAFE_INTEGER, -35, MAX_RTT_MS + 0.001, NaN, Infinity]) {
    assert.throws(() => client.update("node", other, rtt), (err: unknown) => {
      assert.ok(err instanceof RangeError);
      assert.match(
        err.message,
        /^Cannot update coordinate as 'rttMs' must be a finite number from 0 to 10000:/,
      );
      assert.ok(err.message.endsWith(`current value is ${rtt}`));
      return true;
    });
    assert.equal(client.distanceTo(other), before);
  }
  // The ends of the range are fine; zero comes from coarse clocks and is accepted.
  client.update("node", other, 0);
  client.update("node", other, MAX_RTT_MS);
  assert.ok(isValidCoordinate(client.getCoordinate()));
});

Deno.test("CoordinateClient.distanceTo returns milliseconds", () => {
  const client = new CoordinateClient({ dimensionality: 3, heightMin: 0 });
  const other = newCoordinate(client.config);
  other.vec[2] = 12.345; // seconds
  assert.equal(client.distanceTo(other), 12_345);
});

Deno.test("CoordinateClient's latency filter feeds Vivaldi the median of the last samples per node", () => {
  // Observe with LatencyFilterSize 3 through the coordinate: a client of a
  // fixed peer moves the same way for equal medians, whatever the raw sample.
  const peer = { vec: [0.05], error: 1.5, adjustment: 0, height: 10e-6 };
  const moves = (samples: number[]) => {
    const client = new CoordinateClient({ dimensionality: 1 });
    client.setCoordinate({ vec: [0.01], error: 1.5, adjustment: 0, height: 10e-6 });
    return samples.map((rtt) => client.update("alice", peer, rtt));
  };
  // Go's TestClient_latencyFilter sequence (seconds -> ms) and its medians.
  const raw = [201, 200, 207, 1900, 203, 199, 211];
  const medians = [201, 201, 201, 207, 207, 203, 203];
  const viaFilter = moves(raw);
  // Replaying the medians directly (a filter of one) must give the same trajectory.
  const client = new CoordinateClient({ dimensionality: 1, latencyFilterSize: 1 });
  client.setCoordinate({ vec: [0.01], error: 1.5, adjustment: 0, height: 10e-6 });
  const viaMedians = medians.map((rtt) => client.update("alice", peer, rtt));
  assert.deepEqual(viaFilter, viaMedians);
});

Deno.test("CoordinateClient keeps latency samples per node and forgets them on request", () => {
  const peer = { vec: [0.05], error: 1.5, adjustment: 0, height: 10e-6 };
  const start = { vec: [0.01], error: 1.5, adjustment: 0, height: 10e-6 };
  const run = (steps: [string, number][], forgetAfter?: number) => {
    const client = new CoordinateClient({ dimensionality: 1 });
    client.setCoordinate(start);
    return steps.map(([node, rtt], i) => {
      const c = client.update(node, peer, rtt);
      if (i === forgetAfter) client.forgetNode("alice");
      return c;
    });
  };
  // Bob's first sample is used as is: Alice's history does not leak into it.
  const mixed = run([["alice", 900], ["alice", 900], ["bob", 310]]);
  const fresh = run([["alice", 900], ["alice", 900], ["alice-2", 310]]);
  assert.deepEqual(mixed, fresh);
  // After forgetNode, Alice's next sample stands alone too; without it, the median would still be 900.
  const forgotten = run([["alice", 900], ["alice", 900], ["alice", 888]], 1);
  const newcomer = run([["alice", 900], ["alice", 900], ["bob", 888]]);
  const remembered = run([["alice", 900], ["alice", 900], ["alice", 888]]);
  assert.deepEqual(forgotten, newcomer);
  assert.notDeepEqual(remembered, newcomer);
});

Deno.test("CoordinateClient blocks invalid and incompatible coordinates", () => {
  const client = new CoordinateClient({ dimensionality: 3 });
  const other = newCoordinate(client.config);
  other.vec[0] = NaN;
  assert.throws(() => client.update("node", other, 250), {
    name: "RangeError",
    message: "Cannot update coordinate as the coordinate is invalid: every component must be finite",
  });
  assert.ok(isValidCoordinate(client.getCoordinate()));
  assert.throws(() => client.setCoordinate(other), { name: "RangeError", message: /coordinate is invalid/ });

  other.vec = [0, 0, 0, 0, 0, 0];
  assert.throws(() => client.update("node", other, 250), DimensionalityConflictError);
  assert.throws(() => client.setCoordinate(other), DimensionalityConflictError);
  assert.throws(() => client.distanceTo(other), DimensionalityConflictError);
  assert.ok(isValidCoordinate(client.getCoordinate()));
  assert.deepEqual(client.stats(), { resets: 0 });
});

Deno.test("CoordinateClient resets to the origin when its coordinate stops being finite", () => {
  const client = new CoordinateClient({ dimensionality: 3 }, new SeededRandom(1));
  // Far enough out that squaring the distance overflows: the update turns into NaN.
  client.setCoordinate({ vec: [1e200, 1e200, 0], error: 1.5, adjustment: 0, height: 10e-6 });
  const c = client.update("node", newCoordinate(client.config), 250);
  assert.ok(isValidCoordinate(c));
  assert.deepEqual(c, newCoordinate(client.config));
  assert.deepEqual(client.stats(), { resets: 1 });
  // The returned stats are a snapshot.
  const stats = client.stats();
  stats.resets = 9;
  assert.equal(client.stats().resets, 1);
});

Deno.test("CoordinateClient converges two nodes to their round-trip time", () => {
  const rng = new SeededRandom(5);
  const a = new CoordinateClient({}, rng);
  const b = new CoordinateClient({}, rng);
  for (let i = 0; i < 100; i++) {
    a.update("b", b.getCoordinate(), 20);
    b.update("a", a.getCoordinate(), 20);
  }
  assert.ok(Math.abs(a.distanceTo(b.getCoordinate()) - 20) < 0.5, `${a.distanceTo(b.getCoordinate())}`);
});
