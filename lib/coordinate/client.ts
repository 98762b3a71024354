/**
 * The per-node Vivaldi client: it owns this node's coordinate and moves it a
 * little every time a round trip to a peer is measured (Dabek et al., "Vivaldi",
 * SIGCOMM 2004), with the refinements Serf adopted from Ledlie et al., "Network
 * Coordinates in the Wild" (NSDI 2007): a per-peer median latency filter and
 * gravity toward the origin, plus Lee et al.'s (2010) adjustment term.
 *
 * Serf measures time in Go's `time.Duration`, whole nanoseconds. The client
 * rounds round trips and its internal distance estimates to whole nanoseconds
 * the same way, so a serfts node and a Serf node fed the same observations end
 * at the same coordinates (the golden test checks this against Go).
 *
 * @module
 */

import { type Random, systemRandom } from "../util/random.ts";
import { type CoordinateConfig, defaultCoordinateConfig } from "./config.ts";
import {
  applyForce,
  cloneCoordinate,
  type Coordinate,
  DimensionalityConflictError,
  distanceTo,
  isCompatible,
  isValidCoordinate,
  newCoordinate,
  rawDistanceTo,
} from "./coordinate.ts";

/** Largest round trip accepted by {@linkcode CoordinateClient.update}, as in Serf. */
export const MAX_RTT_MS = 10_000;

/** Below this (seconds) a round trip or error sum is clamped, so divisions stay finite. */
const ZERO_RTT = 1e-6;

/** Counters of unusual events, for metrics. */
export interface CoordinateClientStats {
  /** Times the coordinate became invalid (NaN or infinite) and was reset to the origin. */
  resets: number;
}

/** Go's `Duration.Seconds()` for a whole number of nanoseconds: whole seconds plus the rest. */
function durationSeconds(ns: number): number {
  const whole = Math.trunc(ns / 1e9);
  return whole + (ns - whole * 1e9) / 1e9;
}

/**
 * Passes a distance in seconds through a Go `time.Duration` (truncation to
 * whole nanoseconds) and back, as Serf does with every distance estimate.
 * Non-finite values pass through unchanged so the reset logic sees them.
 */
function wholeNanoseconds(seconds: number): number {
  const ns = Math.trunc(seconds * 1e9);
  return Number.isFinite(ns) ? durationSeconds(ns) : seconds;
}

/**
 * Tracks one node's network coordinate.
 *
 * Feed it every measured round trip with {@linkcode CoordinateClient.update};
 * ask it for estimates with {@linkcode CoordinateClient.distanceTo}. It is pure
 * computation: no timers, no I/O. Call {@linkcode CoordinateClient.forgetNode}
 * when a peer leaves so its latency samples do not pile up.
 *
 * @example
 * ```ts
 * import { CoordinateClient } from "./client.ts";
 * import { SeededRandom } from "../util/random.ts";
 *
 * const rng = new SeededRandom(1);
 * const a = new CoordinateClient({}, rng);
 * const b = new CoordinateClient({}, rng);
 * for (let i = 0; i < 50; i++) {
 *   a.update("b", b.getCoordinate(), 20);
 *   b.update("a", a.getCoordinate(), 20);
 * }
 * console.log(a.distanceTo(b.getCoordinate()).toFixed(1)); // about 20.0 ms
 * ```
 */
export class CoordinateClient {
  readonly #config: Readonly<CoordinateConfig>;
  readonly #rng: Random;
  readonly #origin: Coordinate;
  #coord: Coordinate;
  readonly #adjustmentSamples: number[];
  #adjustmentIndex = 0;
  readonly #latencySamples = new Map<string, number[]>();
  #resets = 0;

  /**
   * A client at the origin with the maximum error, as a node starts.
   * @param config overrides of {@linkcode defaultCoordinateConfig}.
   * @param rng direction source when coordinates coincide (they all start at
   *   the origin); inject a seeded one for reproducible simulations.
   * @throws {RangeError} when a setting is out of range.
   */
  constructor(config: Partial<CoordinateConfig> = {}, rng: Random = systemRandom) {
    const full = { ...defaultCoordinateConfig(), ...config };
    validateConfig(full);
    this.#config = Object.freeze(full);
    this.#rng = rng;
    this.#origin = newCoordinate(full);
    this.#coord = newCoordinate(full);
    this.#adjustmentSamples = new Array<number>(full.adjustmentWindowSize).fill(0);
  }

  /**
   * The settings in use (defaults merged with the constructor's overrides).
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new CoordinateClient({ dimensionality: 4 }).config.latencyFilterSize, 3);
   * ```
   */
  get config(): Readonly<CoordinateConfig> {
    return this.#config;
  }

  /**
   * A copy of this node's current coordinate.
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new CoordinateClient({ dimensionality: 2 }).getCoordinate().vec, [0, 0]);
   * ```
   */
  getCoordinate(): Coordinate {
    return cloneCoordinate(this.#coord);
  }

  /**
   * Replaces this node's coordinate, for instance with one restored from a
   * snapshot. The client keeps a copy.
   *
   * @throws {DimensionalityConflictError} when the dimensionality differs.
   * @throws {RangeError} when a component is not a finite number.
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   * import assert from "node:assert/strict";
   *
   * const client = new CoordinateClient({ dimensionality: 2 });
   * client.setCoordinate({ vec: [0.01, 0], error: 0.2, adjustment: 0, height: 0.001 });
   * assert.equal(client.getCoordinate().vec[0], 0.01);
   * ```
   */
  setCoordinate(coord: Coordinate): void {
    this.#check(coord, "set coordinate");
    this.#coord = cloneCoordinate(coord);
  }

  /**
   * Drops the latency samples kept for `node`, once it has left the cluster.
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   *
   * const client = new CoordinateClient();
   * client.forgetNode("web-1");
   * ```
   */
  forgetNode(node: string): void {
    this.#latencySamples.delete(node);
  }

  /**
   * A snapshot of the client's counters.
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new CoordinateClient().stats(), { resets: 0 });
   * ```
   */
  stats(): CoordinateClientStats {
    return { resets: this.#resets };
  }

  /**
   * Folds one round-trip observation to `node`, whose coordinate is `other`,
   * into this node's coordinate, and returns a copy of the result. The steps
   * follow Serf: median latency filter, Vivaldi spring step, adjustment
   * window, gravity, and a reset to the origin if the math broke down.
   *
   * A zero round trip is accepted (coarse clocks report them) and treated as
   * one microsecond.
   *
   * @param rttMs measured round trip, in milliseconds, within [0, 10000].
   * @throws {DimensionalityConflictError} when `other` has another dimensionality.
   * @throws {RangeError} when `other` has a non-finite component or `rttMs` is out of range.
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   * import assert from "node:assert/strict";
   *
   * const client = new CoordinateClient({ dimensionality: 3 });
   * const other = { vec: [0, 0, 0.001], error: 1.5, adjustment: 0, height: 10e-6 };
   * const moved = client.update("other", other, 2);
   * assert.ok(moved.vec[2]! < 0); // farther than it looked: move away
   * ```
   */
  update(node: string, other: Coordinate, rttMs: number): Coordinate {
    this.#check(other, "update coordinate");
    if (!(Number.isFinite(rttMs) && rttMs >= 0 && rttMs <= MAX_RTT_MS)) {
      throw new RangeError(
        `Cannot update coordinate as 'rttMs' must be a finite number from 0 to ${MAX_RTT_MS}: current value is ${rttMs}`,
      );
    }
    // Round to Serf's whole-nanosecond durations, then convert as Go's Seconds() does.
    const rttSeconds = this.#latencyFilter(node, durationSeconds(Math.round(rttMs * 1e6)));
    this.#updateVivaldi(other, rttSeconds);
    this.#updateAdjustment(other, rttSeconds);
    this.#updateGravity();
    if (!isValidCoordinate(this.#coord)) {
      this.#resets++;
      this.#coord = newCoordinate(this.#config);
    }
    return cloneCoordinate(this.#coord);
  }

  /**
   * Estimated round trip to the node at `other`, in milliseconds (whole
   * nanoseconds, as Serf reports it).
   *
   * @throws {DimensionalityConflictError} when `other` has another dimensionality.
   *
   * @example
   * ```ts
   * import { CoordinateClient } from "./client.ts";
   * import assert from "node:assert/strict";
   *
   * const client = new CoordinateClient({ dimensionality: 3, heightMin: 0 });
   * const other = { vec: [0, 0, 0.012345], error: 1.5, adjustment: 0, height: 0 };
   * assert.equal(client.distanceTo(other), 12.345);
   * ```
   */
  distanceTo(other: Coordinate): number {
    return Math.trunc(distanceTo(this.#coord, other) * 1e9) / 1e6;
  }

  #check(coord: Coordinate, action: string): void {
    if (!isCompatible(this.#coord, coord)) {
      throw new DimensionalityConflictError(this.#coord.vec.length, coord.vec.length);
    }
    if (!isValidCoordinate(coord)) {
      throw new RangeError(`Cannot ${action} as the coordinate is invalid: every component must be finite`);
    }
  }

  /** Median of the last `latencyFilterSize` samples for `node`, including this one. */
  #latencyFilter(node: string, rttSeconds: number): number {
    const samples = this.#latencySamples.get(node) ?? [];
    samples.push(rttSeconds);
    if (samples.length > this.#config.latencyFilterSize) samples.shift();
    this.#latencySamples.set(node, samples);
    const sorted = samples.slice().sort((a, b) => a - b);
    return sorted[sorted.length >> 1]!;
  }

  /**
   * Vivaldi's adaptive timestep (Dabek et al., section 3.4): the relative
   * error of the prediction updates our error estimate, weighted by how sure we
   * are compared with the peer, and the same weight scales the spring force.
   */
  #updateVivaldi(other: Coordinate, rttSeconds: number): void {
    const { vivaldiCE, vivaldiCC, vivaldiErrorMax } = this.#config;
    const dist = wholeNanoseconds(distanceTo(this.#coord, other));
    const rtt = Math.max(rttSeconds, ZERO_RTT);
    const wrongness = Math.abs(dist - rtt) / rtt;

    const totalError = Math.max(this.#coord.error + other.error, ZERO_RTT);
    const weight = this.#coord.error / totalError;
    this.#coord.error = Math.min(
      vivaldiCE * weight * wrongness + this.#coord.error * (1 - vivaldiCE * weight),
      vivaldiErrorMax,
    );

    const force = vivaldiCC * weight * (rtt - dist);
    this.#coord = applyForce(this.#config, this.#coord, force, other, this.#rng);
  }

  /**
   * Lee et al.'s adjustment: half the mean residual of the raw (unadjusted)
   * distance over the last `adjustmentWindowSize` observations, whoever they
   * were with. Unfilled slots count as zero, as in Serf.
   */
  #updateAdjustment(other: Coordinate, rttSeconds: number): void {
    const size = this.#config.adjustmentWindowSize;
    if (size === 0) return;
    this.#adjustmentSamples[this.#adjustmentIndex] = rttSeconds - rawDistanceTo(this.#coord, other);
    this.#adjustmentIndex = (this.#adjustmentIndex + 1) % size;
    let sum = 0;
    for (const sample of this.#adjustmentSamples) sum += sample;
    this.#coord.adjustment = sum / (2 * size);
  }

  /**
   * Ledlie et al.'s gravity: a pull toward the origin growing with the square
   * of the distance, so the cluster as a whole does not drift away.
   */
  #updateGravity(): void {
    const dist = wholeNanoseconds(distanceTo(this.#origin, this.#coord));
    const ratio = dist / this.#config.gravityRho;
    const force = -(ratio * ratio);
    this.#coord = applyForce(this.#config, this.#coord, force, this.#origin, this.#rng);
  }
}

function validateConfig(c: CoordinateConfig): void {
  const need = (ok: boolean, field: keyof CoordinateConfig, what: string) => {
    if (!ok) {
      throw new RangeError(
        `Cannot create coordinate client as '${field}' must be ${what}: current value is ${c[field]}`,
      );
    }
  };
  need(Number.isInteger(c.dimensionality) && c.dimensionality > 0, "dimensionality", "a positive integer");
  need(
    Number.isInteger(c.latencyFilterSize) && c.latencyFilterSize > 0,
    "latencyFilterSize",
    "a positive integer",
  );
  need(
    Number.isInteger(c.adjustmentWindowSize) && c.adjustmentWindowSize >= 0,
    "adjustmentWindowSize",
    "a non-negative integer",
  );
  for (const field of ["vivaldiErrorMax", "vivaldiCE", "vivaldiCC", "heightMin"] as const) {
    need(Number.isFinite(c[field]) && c[field] >= 0, field, "a finite non-negative number");
  }
  need(Number.isFinite(c.gravityRho) && c.gravityRho > 0, "gravityRho", "a finite positive number");
}
