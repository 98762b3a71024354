import assert from "node:assert/strict";
import { defaultCoordinateConfig } from "../../lib/coordinate/config.ts";
import {
  add,
  applyForce,
  cloneCoordinate,
  type Coordinate,
  diff,
  DimensionalityConflictError,
  distanceTo,
  isCompatible,
  isValidCoordinate,
  magnitude,
  mul,
  newCoordinate,
  rawDistanceTo,
  unitVectorAt,
} from "../../lib/coordinate/coordinate.ts";
import { type Random, SeededRandom } from "../../lib/util/random.ts";

/** Serf's tests compare floats to within a microsecond. */
function assertNear(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-6, message ?? `${actual} != ${expected}`);
}

function assertNearVec(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((x, i) => assertNear(x, expected[i]!, `[${i}] ${actual} != ${expected}`));
}

function config3(heightMin = 0) {
  return { ...defaultCoordinateConfig(), dimensionality: 3, heightMin };
}

function at(vec: number[], rest: Partial<Coordinate> = {}): Coordinate {
  return { ...newCoordinate(config3()), vec, ...rest };
}

Deno.test("newCoordinate sits at the origin with the configured dimensionality and maximum error", () => {
  const config = defaultCoordinateConfig();
  const c = newCoordinate(config);
  assert.equal(c.vec.length, config.dimensionality);
  assert.ok(c.vec.every((x) => x === 0));
  assert.equal(c.error, config.vivaldiErrorMax);
  assert.equal(c.height, config.heightMin);
  assert.equal(c.adjustment, 0);
});

Deno.test("cloneCoordinate makes an independent copy", () => {
  const c = { vec: [1, 2, 3], error: 5, adjustment: 10, height: 4.2 };
  const other = cloneCoordinate(c);
  assert.deepEqual(other, c);
  other.vec[0] = 1.5;
  assert.notDeepEqual(other, c);
  assert.equal(c.vec[0], 1);
});

Deno.test("isValidCoordinate rejects NaN and infinity in every component", () => {
  const c = newCoordinate(defaultCoordinateConfig());
  const setters: ((v: number) => void)[] = [
    ...c.vec.map((_, i) => (v: number) => (c.vec[i] = v)),
    (v) => (c.error = v),
    (v) => (c.adjustment = v),
    (v) => (c.height = v),
  ];
  for (const [i, set] of setters.entries()) {
    assert.ok(isValidCoordinate(c), `field ${i}`);
    for (const bad of [NaN, Infinity, -Infinity]) {
      set(bad);
      assert.ok(!isValidCoordinate(c), `field ${i} = ${bad}`);
      set(0);
      assert.ok(isValidCoordinate(c), `field ${i}`);
    }
  }
  // Data from the wire may not even be numbers.
  assert.ok(!isValidCoordinate({ ...c, vec: ["1" as unknown as number] }));
});

Deno.test("isCompatible compares dimensionality", () => {
  const c1 = newCoordinate(config3());
  const c2 = newCoordinate(config3());
  const alien = newCoordinate({ ...config3(), dimensionality: 2 });
  assert.ok(isCompatible(c1, c1) && isCompatible(alien, alien));
  assert.ok(isCompatible(c1, c2) && isCompatible(c2, c1));
  assert.ok(!isCompatible(c1, alien) && !isCompatible(alien, c2));
});

Deno.test("applyForce normalises, points away from the other node and scales by the force", () => {
  const config = config3();
  const origin = newCoordinate(config);
  const above = at([0, 0, 2.9]);
  let c = applyForce(config, origin, 5.3, above);
  assertNearVec(c.vec, [0, 0, -5.3]);

  // Nothing special about the origin.
  c = applyForce(config, c, 2, at([3.4, 0, -5.3]));
  assertNearVec(c.vec, [-2, 0, -5.3]);

  // Coinciding points move one unit in a random direction, without dividing by zero.
  c = applyForce(config, origin, 1, origin, new SeededRandom(3));
  assertNear(distanceTo(origin, c), 1);
});

Deno.test("applyForce grows the height in proportion and never below heightMin", () => {
  const config = config3(10e-6);
  const origin = newCoordinate(config);
  const above = at([0, 0, 2.9], { height: 0 });
  let c = applyForce(config, origin, 5.3, above);
  assertNearVec(c.vec, [0, 0, -5.3]);
  assertNear(c.height, config.heightMin + 5.3 * config.heightMin / 2.9);

  c = applyForce(config, origin, -5.3, above);
  assertNearVec(c.vec, [0, 0, 5.3]);
  assertNear(c.height, config.heightMin);
});

Deno.test("applyForce and distanceTo throw DimensionalityConflictError on mismatched coordinates", () => {
  const config = config3();
  const c = newCoordinate(config);
  const bad = { ...cloneCoordinate(c), vec: [0, 0, 0, 0] };
  assert.throws(() => applyForce(config, c, 1, bad), DimensionalityConflictError);
  assert.throws(() => distanceTo(c, bad), DimensionalityConflictError);
  assert.throws(() => rawDistanceTo(c, bad), (err: unknown) => {
    assert.ok(err instanceof DimensionalityConflictError);
    assert.equal(err.message, "Coordinate dimensionality does not match: expected 3, got 4");
    assert.equal(err.expected, 3);
    assert.equal(err.actual, 4);
    return true;
  });
});

Deno.test("distanceTo adds heights and positive adjustments to the Euclidean distance", () => {
  const c1 = at([-0.5, 1.3, 2.4], { height: 0 });
  const c2 = at([1.2, -2.3, 3.4], { height: 0 });
  const base = 4.104875150354758;
  assertNear(distanceTo(c1, c1), 0);
  assertNear(distanceTo(c1, c2), distanceTo(c2, c1));
  assertNear(distanceTo(c1, c2), base);

  // A negative total adjustment is ignored rather than making the distance negative.
  c1.adjustment = -1e6;
  assertNear(distanceTo(c1, c2), base);

  c1.adjustment = 0.1;
  c2.adjustment = 0.2;
  assertNear(distanceTo(c1, c2), base + 0.3);

  c1.height = 0.7;
  c2.height = 0.1;
  assertNear(distanceTo(c1, c2), base + 0.3 + 0.8);
});

Deno.test("rawDistanceTo ignores adjustments but counts heights", () => {
  const c1 = at([-0.5, 1.3, 2.4], { height: 0 });
  const c2 = at([1.2, -2.3, 3.4], { height: 0 });
  assertNear(rawDistanceTo(c1, c1), 0);
  assertNear(rawDistanceTo(c1, c2), rawDistanceTo(c2, c1));
  assertNear(rawDistanceTo(c1, c2), 4.104875150354758);
  c1.adjustment = 1e6;
  assertNear(rawDistanceTo(c1, c2), 4.104875150354758);
  c1.height = 0.7;
  c2.height = 0.1;
  assertNear(rawDistanceTo(c1, c2), 4.104875150354758 + 0.8);
});

Deno.test("vector helpers add, diff, mul and magnitude", () => {
  assertNearVec(add([1, -3, 3], [-4, 5, 6]), [-3, 2, 9]);
  assertNearVec(add([1, -3, 3], [0, 0, 0]), [1, -3, 3]);
  assertNearVec(diff([1, -3, 3], [-4, 5, 6]), [5, -8, -3]);
  assertNearVec(diff([1, -3, 3], [0, 0, 0]), [1, -3, 3]);
  assertNearVec(mul([1, -3, 3], -2), [-2, 6, -6]);
  assertNear(magnitude([0, 0, 0]), 0);
  assertNear(magnitude([1, -2, 3]), 3.7416573867739413);
});

Deno.test("unitVectorAt points from the second vector to the first, or somewhere random when they meet", () => {
  const v1 = [1, 2, 3];
  const v2 = [0.5, 0.6, 0.7];
  const { unit, distance } = unitVectorAt(v1, v2);
  assertNearVec(unit, [0.18257418583505536, 0.511207720338155, 0.8398412548412546]);
  assertNear(magnitude(unit), 1);
  assertNear(distance, magnitude(diff(v1, v2)));

  const random = unitVectorAt(v1, v1, new SeededRandom(42));
  assertNear(magnitude(random.unit), 1);
  assert.equal(random.distance, 0);
  // Different draws, different directions: the spread is what separates nodes starting together.
  assert.notDeepEqual(unitVectorAt(v1, v1, new SeededRandom(43)).unit, random.unit);
});

Deno.test("unitVectorAt falls back to the first axis when the random draw is degenerate", () => {
  const centre: Random = { next: () => 0.5 };
  assert.deepEqual(unitVectorAt([1, 2, 3], [1, 2, 3], centre), { unit: [1, 0, 0], distance: 0 });
});
