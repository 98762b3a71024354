/**
 * Lifeguard's local health awareness (Dadgar, Phillips, Currey: "Lifeguard:
 * Local Health Awareness for More Accurate Failure Detection", 2018, section
 * IV-A). A node that is slow itself (CPU starved, GC pauses, a congested
 * link) misses acks and wrongly suspects healthy peers. Lifeguard keeps a
 * small score of evidence that *we* are the problem (missed nacks, failed
 * probes, having to refute suspicion of ourselves) and stretches our probe
 * timeouts by it, so an unhealthy node suspects others less eagerly.
 *
 * @module
 */
import { type Metrics, NO_METRICS } from "../util/metrics.ts";

/**
 * The local health score: 0 is healthy, `max - 1` is the least healthy.
 * The engine raises it on evidence of local trouble and lowers it on
 * successful probes.
 *
 * @example
 * ```ts
 * import { Awareness } from "./awareness.ts";
 * import assert from "node:assert/strict";
 *
 * const a = new Awareness(8);
 * a.applyDelta(2);
 * assert.equal(a.healthScore, 2);
 * assert.equal(a.scaleTimeout(500), 1500);
 * ```
 */
export class Awareness {
  #max: number;
  #score = 0;
  readonly #metrics: Metrics;

  /**
   * @param max the number of score levels; the score stays in `[0, max - 1]`,
   * so timeouts stretch at most `max` times (memberlist's
   * `AwarenessMaxMultiplier`, 8 by default).
   * @param metrics where a changed score is reported (`memberlist.health.score`)
   * @throws {RangeError} if `max` is not a positive integer.
   */
  constructor(max: number, metrics: Metrics = NO_METRICS) {
    this.#metrics = metrics;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create awareness as 'max' must be a positive integer: current value is ${max}`,
      );
    }
    this.#max = max;
  }

  /** The current score; 0 is healthy. */
  get healthScore(): number {
    return this.#score;
  }

  /**
   * Adds `delta` (negative to improve) and clamps the score to `[0, max - 1]`,
   * so a long run of good or bad news cannot push it past either end.
   *
   * @returns the new score
   */
  applyDelta(delta: number): number {
    const initial = this.#score;
    this.#score = Math.min(this.#max - 1, Math.max(0, this.#score + delta));
    if (this.#score !== initial) this.#metrics.setGauge(["memberlist", "health", "score"], this.#score);
    return this.#score;
  }

  /**
   * Stretches a timeout by the score: `ms * (score + 1)`. A healthy node uses
   * the configured timeout unchanged.
   */
  scaleTimeout(ms: number): number {
    return ms * (this.#score + 1);
  }
}
