/**
 * The background work of one node (memberlist's engine, Serf's core): timers
 * that shutdown cancels, tasks (loops, streams being served, rejoins) that
 * shutdown waits for, and the signal that tells loops to end. A failed task is
 * reported, never left as an unhandled rejection.
 *
 * @module
 */
import type { Clock, Timer } from "./clock.ts";

/** Timers, tasks and a stop signal that end together. */
export class TaskScope {
  readonly #clock: Clock;
  readonly #onError: (err: unknown) => void;
  readonly #timers = new Set<Timer>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #stop = new AbortController();

  /**
   * @param onError told of each tracked task that failed
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { VirtualClock } from "./clock.ts";
   * import { TaskScope } from "./task_scope.ts";
   *
   * const scope = new TaskScope(new VirtualClock(), console.error);
   * let fired = false;
   * scope.schedule(100, () => (fired = true));
   * scope.stop(new Error("shutdown"));
   * await scope.settled();
   * assert.equal(fired, false);
   * assert.ok(scope.signal.aborted);
   * ```
   */
  constructor(clock: Clock, onError: (err: unknown) => void) {
    this.#clock = clock;
    this.#onError = onError;
  }

  /** Aborts when the scope stops; loops and waits listen to it. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Runs `fn` after `ms` on the clock, unless the scope stops first. */
  schedule(ms: number, fn: () => void): void {
    const timer = this.#clock.setTimer(ms, () => {
      this.#timers.delete(timer);
      fn();
    });
    this.#timers.add(timer);
  }

  /** Keeps `task` for {@linkcode TaskScope.settled}; its failure goes to `onError`. */
  track(task: Promise<unknown>): void {
    const settled = task.catch(this.#onError).finally(() => this.#tasks.delete(settled));
    this.#tasks.add(settled);
  }

  /** Aborts the signal with `reason` and cancels every pending timer. */
  stop(reason: Error): void {
    this.#stop.abort(reason);
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
  }

  /** Resolves once every tracked task has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#tasks]);
  }
}
