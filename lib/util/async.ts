/**
 * Go channels, the JavaScript way: a bounded queue that is an `AsyncIterable`.
 * Producers never block (the protocol's receive path is synchronous); when
 * the queue is full the oldest droppable item is dropped and counted, so a
 * slow consumer costs history, never liveness. Items the owner marks as
 * must-keep (membership changes) are never dropped: Serf's agent blocks the
 * whole gossip path rather than lose one; we keep them and drop the rest.
 *
 * @module
 */

/** Options for {@linkcode AsyncQueue}. */
export interface AsyncQueueOptions<T = unknown> {
  /** Most items held before the oldest is dropped. @default 4096 */
  capacity?: number;
  /** Called once each time the depth crosses this mark (a consumer is falling behind). @default capacity/2 */
  warnAt?: number;
  onBackedUp?: (depth: number) => void;
  onDrop?: (dropped: number) => void;
  /**
   * Items that must never be dropped; they do not count against `capacity`,
   * which then bounds the other items alone. @default none (any item may be dropped)
   */
  mustKeep?: (item: T) => boolean;
}

/** Marks a dropped slot until the consumer passes it. */
const DROPPED: unique symbol = Symbol("dropped");

/**
 * A bounded multi-producer, single-consumer queue.
 *
 * @example When full, the oldest item is dropped and counted
 * ```ts
 * import assert from "node:assert/strict";
 * import { AsyncQueue } from "./async.ts";
 *
 * const queue = new AsyncQueue<number>({ capacity: 2 });
 * for (const n of [1, 2, 3]) queue.push(n);
 * queue.close();
 * const got: number[] = [];
 * for await (const n of queue) got.push(n);
 * assert.deepEqual(got, [2, 3]);
 * assert.equal(queue.dropped, 1);
 * ```
 *
 * @example Must-keep items survive; the oldest other item goes instead
 * ```ts
 * import assert from "node:assert/strict";
 * import { AsyncQueue } from "./async.ts";
 *
 * const queue = new AsyncQueue<string>({ capacity: 2, mustKeep: (s) => s.startsWith("member") });
 * for (const s of ["member-join", "user-1", "member-failed", "user-2", "user-3"]) queue.push(s);
 * queue.close();
 * const got: string[] = [];
 * for await (const s of queue) got.push(s);
 * assert.deepEqual(got, ["member-join", "member-failed", "user-2", "user-3"]);
 * ```
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: (T | typeof DROPPED)[] = [];
  #head = 0;
  /** Items waiting (dropped slots excluded). */
  #live = 0;
  /** Must-keep items among them. */
  #keepers = 0;
  /** Where the search for the next droppable item resumes (never moves back). */
  #scan = 0;
  #waiters: ((r: IteratorResult<T>) => void)[] = [];
  #closed = false;
  #capacity: number;
  #warnAt: number;
  #warned = false;
  #options: AsyncQueueOptions<T>;
  /** Items dropped because the queue was full. */
  dropped = 0;

  /**
   * An empty, open queue.
   * @param options capacity and back-pressure callbacks; see {@linkcode AsyncQueueOptions}.
   */
  constructor(options: AsyncQueueOptions<T> = {}) {
    this.#capacity = options.capacity ?? 4096;
    this.#warnAt = options.warnAt ?? Math.max(1, Math.floor(this.#capacity / 2));
    this.#options = options;
  }

  /** Items waiting to be taken. */
  get size(): number {
    return this.#live;
  }

  /** True once {@linkcode AsyncQueue.close} was called; items queued before may still be drained. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an item; returns false when the queue is closed. Never blocks. */
  push(item: T): boolean {
    if (this.#closed) return false;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return true;
    }
    this.#items.push(item);
    this.#live++;
    if (this.#options.mustKeep?.(item)) this.#keepers++;
    if (this.#live - this.#keepers > this.#capacity) this.#dropOne();
    if (this.size >= this.#warnAt && !this.#warned) {
      this.#warned = true;
      this.#options.onBackedUp?.(this.size);
    } else if (this.size < this.#warnAt / 2) {
      this.#warned = false;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#scan = Math.max(0, this.#scan - this.#head);
      this.#head = 0;
    }
    return true;
  }

  /** Drops the oldest item not marked must-keep (there is one: more than `capacity` wait). */
  #dropOne(): void {
    const keep = this.#options.mustKeep;
    let i = Math.max(this.#scan, this.#head);
    for (; i < this.#items.length; i++) {
      const item = this.#items[i]!;
      if (item !== DROPPED && !(keep && keep(item))) break;
    }
    this.#scan = i;
    this.#items[i] = DROPPED;
    this.#live--;
    this.dropped++;
    this.#options.onDrop?.(this.dropped);
  }

  /** Takes the next item, waiting for one; resolves `undefined` once closed and drained. */
  async shift(): Promise<T | undefined> {
    const r = await this.next();
    return r.done ? undefined : r.value;
  }

  /** Takes an item if one is waiting. */
  tryShift(): T | undefined {
    if (this.#live === 0) return undefined;
    while (this.#items[this.#head] === DROPPED) this.#items[this.#head++] = undefined as T;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined as T;
    this.#live--;
    if (this.#options.mustKeep?.(item)) this.#keepers--;
    return item;
  }

  /** The iterator step: the next item, waiting for one, or `done` once closed and drained. */
  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.tryShift()!, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the stream: waiting consumers finish; queued items can still be drained. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
  }

  /** Iterates with `for await`, taking each item; the loop ends once the queue is closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}

/**
 * Wakes a loop that sleeps until there is work, so an idle node has no timer
 * firing for nothing. `ring()` resolves the pending `wait()`; a ring with
 * nobody waiting is remembered (once), so the waiter re-checks its condition
 * rather than missing the work.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Doorbell } from "./async.ts";
 * const bell = new Doorbell();
 * const woken = bell.wait(new AbortController().signal);
 * bell.ring();
 * assert.equal(await woken, true);
 * ```
 */
export class Doorbell {
  #rung = false;
  #waiter: ((rung: boolean) => void) | undefined;

  /** Wakes the waiter, or the next one to wait. */
  ring(): void {
    const w = this.#waiter;
    if (!w) {
      this.#rung = true;
      return;
    }
    this.#waiter = undefined;
    w(true);
  }

  /**
   * Resolves true at the next ring (at once if one came since the last wait),
   * false when `signal` aborts. One waiter at a time.
   */
  wait(signal: AbortSignal): Promise<boolean> {
    if (this.#rung || signal.aborted) {
      const rung = !signal.aborted;
      this.#rung = false;
      return Promise.resolve(rung);
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#waiter = undefined;
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiter = (rung) => {
        signal.removeEventListener("abort", onAbort);
        resolve(rung);
      };
    });
  }
}
