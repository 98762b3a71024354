/**
 * Entries that are forgotten at their deadline: the queries a client was
 * shown and may still answer (RPC `respond`, HTTP `/v1/respond`).
 *
 * @module
 */
import type { Clock, Timer } from "./clock.ts";

/**
 * A map whose entries each expire at their own deadline on `clock`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeadlineMap } from "./deadline_map.ts";
 * import { VirtualClock } from "./clock.ts";
 *
 * const clock = new VirtualClock();
 * const map = new DeadlineMap<string, number>(clock);
 * map.set("q", 1, clock.now() + 100);
 * assert.equal(map.get("q"), 1);
 * await clock.advance(101);
 * assert.equal(map.get("q"), undefined);
 * ```
 */
export class DeadlineMap<K, V> {
  readonly #clock: Clock;
  readonly #entries = new Map<K, { value: V; timer: Timer }>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Entries not yet expired. */
  get size(): number {
    return this.#entries.size;
  }

  /** Keeps `value` under `key` until `deadline` (a time on the clock); one already past is not kept. */
  set(key: K, value: V, deadline: number): void {
    const remaining = deadline - this.#clock.now();
    if (remaining < 0) return;
    this.#entries.get(key)?.timer.cancel();
    const timer = this.#clock.setTimer(remaining, () => this.#entries.delete(key));
    this.#entries.set(key, { value, timer });
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Forgets every entry and cancels its timer. */
  clear(): void {
    for (const { timer } of this.#entries.values()) timer.cancel();
    this.#entries.clear();
  }
}
