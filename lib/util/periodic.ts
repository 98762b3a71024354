/**
 * A periodic loop on a {@linkcode Clock}: waits, runs, waits again, until the
 * signal aborts. A slow run delays the next one rather than overlapping it, as
 * Go's tickers in memberlist and Serf effectively do; a failing run is
 * reported and the loop goes on.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** How {@linkcode every} runs. */
export interface EveryOptions {
  /** Ends the loop; the returned promise settles soon after. */
  signal: AbortSignal;
  /** Told of each run that threw or rejected; the loop continues. */
  onError: (err: unknown) => void;
  /** Wait before the first run (a random stagger keeps nodes out of lockstep). @default intervalMs */
  firstDelayMs?: number;
}

/**
 * Runs `fn` every `intervalMs` on `clock` until `options.signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "./clock.ts";
 * import { every } from "./periodic.ts";
 *
 * const clock = new VirtualClock();
 * const stop = new AbortController();
 * let runs = 0;
 * const loop = every(clock, 100, () => void runs++, { signal: stop.signal, onError: console.error });
 * await clock.advance(350);
 * stop.abort();
 * await loop;
 * assert.equal(runs, 3);
 * ```
 */
export async function every(
  clock: Clock,
  intervalMs: number,
  fn: () => void | Promise<void>,
  options: EveryOptions,
): Promise<void> {
  const { signal, onError } = options;
  let wait = options.firstDelayMs ?? intervalMs;
  while (!signal.aborted) {
    try {
      await clock.sleep(wait, signal);
    } catch {
      return; // aborted while waiting
    }
    try {
      await fn();
    } catch (err) {
      onError(err);
    }
    wait = intervalMs;
  }
}
