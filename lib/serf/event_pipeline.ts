/**
 * Where Serf's events go, in Serf's order: the snapshot records membership
 * and clocks, internal `_serf_` queries are answered and removed, optional
 * coalescers merge bursts, and what remains lands in a bounded queue the
 * embedder (or the agent) consumes. A slow consumer loses user events and
 * queries past the bound, never a membership change.
 *
 * @module
 */
import { AsyncQueue } from "../util/async.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { type CoalescePolicy, Coalescer, MemberEventPolicy, UserEventPolicy } from "./coalesce.ts";
import { isMemberEventType, type SerfEvent } from "./types.ts";

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
      mustKeep: (e) => isMemberEventType(e.type),
      onBackedUp: (depth) => o.log.warn(`event queue backed up: ${depth} events waiting for the consumer`),
      onDrop: (n) => {
        o.onDrop();
        if (n === 1 || n % 1000 === 0) o.log.error(`event queue full: dropped ${n} events so far`);
      },
    });
    this.#internal = o.internal;
    const deliver = (e: SerfEvent): void => void this.queue.push(e);
    const c = o.coalesce;
    // Each coalescer feeds the next; the user-event one sits closest to the consumer, as in Serf.
    const stage = (
      periodMs: number,
      quietMs: number,
      policy: CoalescePolicy<SerfEvent>,
      emit: typeof deliver,
    ) => {
      if (!(periodMs > 0 && quietMs > 0)) return emit;
      const coalescer = new Coalescer<SerfEvent>({
        clock: o.clock,
        coalescePeriodMs: periodMs,
        quiescentPeriodMs: quietMs,
        policy,
        emit,
      });
      this.#coalescers.push(coalescer);
      return (e: SerfEvent) => coalescer.push(e);
    };
    const next = stage(
      c.coalescePeriodMs,
      c.quiescentPeriodMs,
      new MemberEventPolicy<SerfEvent>(),
      stage(c.userCoalescePeriodMs, c.userQuiescentPeriodMs, new UserEventPolicy<SerfEvent>(), deliver),
    );
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
