/**
 * Where Serf's events go, in Serf's order: the snapshot records membership
 * and clocks, internal `_serf_` queries are answered and removed, optional
 * coalescers merge bursts, and what remains lands in a bounded queue the
 * embedder (or the agent) consumes.
 *
 * @module
 */
import { AsyncQueue } from "../util/async.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { Coalescer, MemberEventPolicy, UserEventPolicy } from "./coalesce.ts";
import type { SerfEvent } from "./types.ts";

/** Receives every event first (the snapshot). */
export interface EventRecorder {
  record(event: SerfEvent): void;
}

export interface EventPipelineOptions {
  clock: Clock;
  log: Logger;
  capacity: number;
  coalesce: {
    coalescePeriodMs: number;
    quiescentPeriodMs: number;
    userCoalescePeriodMs: number;
    userQuiescentPeriodMs: number;
  };
  /** Returns true when it consumed the event (internal queries). */
  internal: (e: SerfEvent) => boolean;
  onDrop: () => void;
}

export class EventPipeline {
  readonly queue: AsyncQueue<SerfEvent>;
  snapshot: EventRecorder | undefined;
  #internal: (e: SerfEvent) => boolean;
  #coalescers: Coalescer<SerfEvent>[] = [];

  constructor(o: EventPipelineOptions) {
    this.queue = new AsyncQueue<SerfEvent>({
      capacity: o.capacity,
      onBackedUp: (depth) => o.log.warn(`event queue backed up: ${depth} events waiting for the consumer`),
      onDrop: (n) => {
        o.onDrop();
        if (n === 1 || n % 1000 === 0) o.log.error(`event queue full: dropped ${n} events so far`);
      },
    });
    this.#internal = o.internal;
    const deliver = (e: SerfEvent): void => void this.queue.push(e);
    const c = o.coalesce;
    // The user-event coalescer sits closest to the consumer, as in Serf.
    let next: (e: SerfEvent) => void = deliver;
    if (c.userCoalescePeriodMs > 0 && c.userQuiescentPeriodMs > 0) {
      const user = new Coalescer<SerfEvent>({
        clock: o.clock,
        coalescePeriodMs: c.userCoalescePeriodMs,
        quiescentPeriodMs: c.userQuiescentPeriodMs,
        policy: new UserEventPolicy<SerfEvent>(),
        emit: next,
      });
      this.#coalescers.push(user);
      next = (e) => user.push(e);
    }
    if (c.coalescePeriodMs > 0 && c.quiescentPeriodMs > 0) {
      const member = new Coalescer<SerfEvent>({
        clock: o.clock,
        coalescePeriodMs: c.coalescePeriodMs,
        quiescentPeriodMs: c.quiescentPeriodMs,
        policy: new MemberEventPolicy<SerfEvent>(),
        emit: next,
      });
      this.#coalescers.push(member);
      next = (e) => member.push(e);
    }
    this.#entry = next;
  }

  #entry: (e: SerfEvent) => void;

  push(e: SerfEvent): void {
    this.snapshot?.record(e);
    if (this.#internal(e)) return;
    this.#entry(e);
  }

  /** Flushes coalescers and ends the stream. */
  close(): Promise<void> {
    for (const c of this.#coalescers) c.stop();
    this.queue.close();
    return Promise.resolve();
  }
}
