/**
 * Time for protocol code. Every timer in serfts goes through a {@linkcode Clock}
 * so that the same SWIM code can run on the real clock in the agent and on
 * virtual time in tests and the simulator, deterministically.
 *
 * Protocol durations (probe round trips, suspicion and Lifeguard timers, reap,
 * tombstone and reconnect timing, query deadlines, coalescing) are measured on
 * a monotonic clock with sub-millisecond resolution, as Go's memberlist does
 * with its monotonic `time.Now()`: the wall clock can be stepped by NTP or an
 * operator, and a step must never declare a node dead, reap it early or feed a
 * bogus round trip into the Vivaldi coordinates. Wall time is kept for what
 * Serf prints as a date (log lines).
 *
 * @module
 */
import { setImmediate } from "node:timers";

/**
 * A scheduled callback that can be cancelled. Cancelling twice is harmless.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "./clock.ts";
 *
 * const clock = new VirtualClock();
 * let fired = false;
 * const timer = clock.setTimer(100, () => fired = true);
 * assert.equal(timer.cancel(), true);
 * assert.equal(timer.cancel(), false);
 * await clock.advance(200);
 * assert.equal(fired, false);
 * ```
 */
export interface Timer {
  /** Stops the timer; returns true if it had not fired yet. */
  cancel(): boolean;
}

/**
 * Source of time and timers. Callbacks must not throw; a throwing callback is
 * reported by the clock and does not stop other timers.
 *
 * @example Code written against `Clock` runs on virtual time in tests
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, VirtualClock } from "./clock.ts";
 *
 * function expireAfter(clock: Clock, ms: number): Promise<number> {
 *   return new Promise((resolve) => clock.setTimer(ms, () => resolve(clock.now())));
 * }
 * const clock = new VirtualClock(0);
 * const expired = expireAfter(clock, 500);
 * await clock.advance(500);
 * assert.equal(await expired, 500);
 * ```
 */
export interface Clock {
  /**
   * Monotonic milliseconds since an arbitrary origin, with sub-millisecond
   * resolution. Never goes backwards and ignores wall-clock steps: use it for
   * every duration and deadline, never as a date.
   */
  now(): number;
  /** Wall time in Unix milliseconds, for dates shown to people. May step in either direction. */
  wallNow(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): Timer;
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Where a {@linkcode RealClock} reads time; injectable to test how it reacts to wall-clock steps. */
export interface TimeSources {
  /** Monotonic milliseconds with sub-millisecond resolution. @default performance.now */
  monotonic: () => number;
  /** Unix milliseconds. @default Date.now */
  wall: () => number;
}

/** The runtime's own sources: `performance.now()` is monotonic and microsecond-precise on Deno and Bun. */
export function systemTimeSources(): TimeSources {
  return { monotonic: () => performance.now(), wall: () => Date.now() };
}

/**
 * The process's clock: monotonic `performance.now()` for durations, timers from
 * the runtime's `setTimeout` (itself monotonic), `Date.now()` only for dates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RealClock } from "./clock.ts";
 *
 * const clock = new RealClock();
 * const a = clock.now();
 * const b = clock.now();
 * assert.ok(b >= a);
 * ```
 */
export class RealClock implements Clock {
  readonly #monotonic: () => number;
  readonly #wall: () => number;

  /**
   * A clock on the runtime's time sources, or on injected ones.
   * @param sources overrides of {@linkcode systemTimeSources}.
   */
  constructor(sources: Partial<TimeSources> = {}) {
    const system = systemTimeSources();
    this.#monotonic = sources.monotonic ?? system.monotonic;
    this.#wall = sources.wall ?? system.wall;
  }

  now(): number {
    return this.#monotonic();
  }

  wallNow(): number {
    return this.#wall();
  }

  setTimer(ms: number, fn: () => void): Timer {
    let pending = true;
    const id = setTimeout(() => {
      pending = false;
      fn();
    }, Math.max(0, ms));
    return {
      cancel(): boolean {
        if (!pending) return false;
        pending = false;
        clearTimeout(id);
        return true;
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** Shared `sleep` built on `setTimer`, honouring an abort signal. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Options of a {@linkcode VirtualClock}.
 *
 * @example A simulation trades exact interleaving for speed
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock, type VirtualClockOptions } from "./clock.ts";
 *
 * const options: VirtualClockOptions = { batchWindowMs: 1 };
 * const clock = new VirtualClock(0, options);
 * const fired: number[] = [];
 * clock.setTimer(0.25, () => fired.push(clock.now()));
 * clock.setTimer(0.5, () => fired.push(clock.now()));
 * await clock.advance(1);
 * assert.deepEqual(fired, [0.25, 0.5]);
 * ```
 */
export interface VirtualClockOptions {
  /**
   * Timers due within this many milliseconds of the first due one fire as one
   * batch, with a few microtask turns between them and one event-loop turn
   * after the batch, instead of an event-loop turn after every distinct due
   * time. Timers still fire in order and each sees its own due time, but a
   * promise chain longer than those turns may finish after a later timer of
   * the batch fired. An event-loop turn costs tens of microseconds, and with
   * thousands of nodes nearly every timer has its own due time: the
   * simulator uses 1 ms. 0 keeps the exact interleaving tests rely on.
   * @default 0
   */
  batchWindowMs?: number;
}

/** Microtask turns between two timers of one batch: enough for the short promise chains of a packet. */
const BATCH_MICROTASK_TURNS = 16;

async function microtaskTurns(): Promise<void> {
  for (let i = 0; i < BATCH_MICROTASK_TURNS; i++) await undefined;
}

interface VirtualEntry {
  due: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * Virtual time for tests and simulation: time only moves when {@linkcode VirtualClock.advance}
 * is called, and timers fire in (due time, creation order) order. Between timers the clock
 * yields to the event loop so promise chains (stream I/O, async handlers) settle, which keeps
 * async protocol code correct on virtual time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "./clock.ts";
 *
 * const clock = new VirtualClock(0);
 * const fired: number[] = [];
 * clock.setTimer(1_000, () => fired.push(clock.now()));
 * await clock.advance(999);
 * assert.deepEqual(fired, []);
 * await clock.advance(1);
 * assert.deepEqual(fired, [1_000]);
 * assert.equal(clock.pending, 0);
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #wallOffset = 0;
  #seq = 0;
  #heap: VirtualEntry[] = [];
  /** Count of callbacks that threw; tests can assert it stays zero. */
  errors = 0;

  readonly #batchWindowMs: number;

  /**
   * A clock standing still at `startMs` with no timers.
   * @param startMs the initial time, by default a fixed epoch so runs are repeatable.
   * @param options `batchWindowMs` (default 0): see {@linkcode VirtualClockOptions}.
   */
  constructor(startMs = 1_700_000_000_000, options: VirtualClockOptions = {}) {
    this.#now = startMs;
    this.#batchWindowMs = options.batchWindowMs ?? 0;
  }

  now(): number {
    return this.#now;
  }

  /** Virtual wall time: the monotonic time plus every {@linkcode VirtualClock.stepWall} so far. */
  wallNow(): number {
    return this.#now + this.#wallOffset;
  }

  /**
   * Steps the wall clock by `ms` (negative steps it back), as NTP or an operator
   * would; monotonic time and timers are untouched.
   */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  /** Number of timers that are scheduled and not cancelled. */
  get pending(): number {
    return this.#heap.filter((e) => e.live).length;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const entry: VirtualEntry = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true };
    heapPush(this.#heap, entry);
    return {
      cancel(): boolean {
        const was = entry.live;
        entry.live = false;
        return was;
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way.
   * Yields to the real event loop after each batch of timers with the same due time.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    const windowMs = this.#batchWindowMs;
    while (true) {
      const top = this.#heap[0];
      if (!top || top.due > target) break;
      const last = Math.min(target, top.due + windowMs);
      while (this.#heap[0] && this.#heap[0].due <= last) {
        const entry = heapPop(this.#heap)!;
        if (!entry.live) continue;
        this.#now = Math.max(this.#now, entry.due);
        entry.live = false;
        try {
          entry.fn();
        } catch (err) {
          this.errors++;
          console.error("VirtualClock: timer callback threw:", err);
        }
        if (windowMs > 0) await microtaskTurns();
      }
      await settle();
    }
    this.#now = target;
  }

  /**
   * Advances in steps of `stepMs` until `predicate` holds or `maxMs` of virtual time passed.
   * @returns true if the predicate held.
   */
  async advanceUntil(predicate: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
    let waited = 0;
    while (!predicate()) {
      if (waited >= maxMs) return false;
      await this.advance(stepMs);
      waited += stepMs;
    }
    return true;
  }
}

/**
 * Lets pending promise callbacks run: one macrotask turn via `setImmediate`
 * (microseconds, where a nested `setTimeout(0)` is clamped to milliseconds and
 * would make long simulations crawl).
 */
async function settle(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

function before(a: VirtualEntry, b: VirtualEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function heapPush(heap: VirtualEntry[], e: VirtualEntry): void {
  heap.push(e);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(heap[i]!, heap[p]!)) break;
    [heap[i], heap[p]] = [heap[p]!, heap[i]!];
    i = p;
  }
}

function heapPop(heap: VirtualEntry[]): VirtualEntry | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    let i = 0;
    while (true) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
  return top;
}
