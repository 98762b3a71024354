/**
 * Event coalescing, as Serf does it before events reach handlers: a burst of
 * membership changes (a rack rebooting) or of same-named user events becomes
 * a few events instead of one handler run per change.
 *
 * A {@linkcode Coalescer} buffers the events its policy handles and flushes
 * them when either `coalescePeriodMs` has passed since the first buffered
 * event (so a steady stream still gets through) or `quiescentPeriodMs` has
 * passed since the latest one (so a short burst is not held for the whole
 * period). Events the policy does not handle pass straight through. Timers
 * run on an injected {@linkcode Clock}, so tests drive them on virtual time.
 *
 * @module
 */
import type { Clock, Timer } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { Logger } from "../util/log.ts";
import { MEMBER_EVENT_TYPES, type MemberEventType } from "./types.ts";

/** How a {@linkcode Coalescer} merges events. Serf has one for member events and one for user events. */
export interface CoalescePolicy<E> {
  /** True if this policy coalesces `e`; other events are emitted at once. */
  handles(e: E): boolean;
  /** Buffers one handled event. */
  add(e: E): void;
  /** Returns what to emit for everything buffered since the last drain, and starts a new buffer. */
  drain(): E[];
}

/** Options for {@linkcode Coalescer}. */
export interface CoalescerOptions<E> {
  /** Runs the flush timers. */
  clock: Clock;
  /**
   * Longest time an event is held: measured from the first event of a batch.
   * @default {3000} the Serf agent's `CoalescePeriod` (and `UserCoalescePeriod`)
   */
  coalescePeriodMs?: number;
  /**
   * A batch is flushed early once no event arrived for this long.
   * @default {1000} the Serf agent's `QuiescentPeriod` (and `UserQuiescentPeriod`)
   */
  quiescentPeriodMs?: number;
  policy: CoalescePolicy<E>;
  /** Receives passed-through and flushed events, in order. Should not throw; if it does, the error is logged. */
  emit: (e: E) => void;
  /** Where emit failures are reported. @default a stderr logger at INFO */
  logger?: Logger;
}

/**
 * Buffers events for a policy and flushes them on the coalesce or quiescent
 * deadline, mirroring Serf's `coalesceLoop`.
 *
 * @example
 * ```ts
 * import { Coalescer, MemberEventPolicy } from "./coalesce.ts";
 * import { VirtualClock } from "../util/clock.ts";
 * import assert from "node:assert/strict";
 *
 * type Ev = { type: "member-join" | "member-leave"; members: { name: string }[] };
 * const clock = new VirtualClock();
 * const out: Ev[] = [];
 * const c = new Coalescer<Ev>({ clock, policy: new MemberEventPolicy<Ev>(), emit: (e) => out.push(e) });
 * c.push({ type: "member-join", members: [{ name: "a" }] });
 * c.push({ type: "member-join", members: [{ name: "b" }] });
 * await clock.advance(1000); // quiet for quiescentPeriodMs: one grouped event
 * assert.deepEqual(out, [{ type: "member-join", members: [{ name: "a" }, { name: "b" }] }]);
 * c.stop();
 * ```
 */
export class Coalescer<E> {
  #clock: Clock;
  #coalesceMs: number;
  #quiescentMs: number;
  #policy: CoalescePolicy<E>;
  #emit: (e: E) => void;
  #logger: Logger;
  #quantum: Timer | undefined;
  #quiescent: Timer | undefined;
  #stopped = false;

  /** @throws {RangeError} when a period is not a positive number (Serf only coalesces when both are set). */
  constructor(options: CoalescerOptions<E>) {
    this.#coalesceMs = positive("coalescePeriodMs", options.coalescePeriodMs ?? 3000);
    this.#quiescentMs = positive("quiescentPeriodMs", options.quiescentPeriodMs ?? 1000);
    this.#clock = options.clock;
    this.#policy = options.policy;
    this.#emit = options.emit;
    this.#logger = options.logger ?? new Logger({ subsystem: "serf" });
  }

  /** Accepts one event: buffers it if the policy handles it, else emits it now. After {@linkcode stop}, emits everything at once. */
  push(e: E): void {
    if (this.#stopped || !this.#policy.handles(e)) {
      this.#send(e);
      return;
    }
    this.#quantum ??= this.#clock.setTimer(this.#coalesceMs, () => this.flush());
    this.#quiescent?.cancel();
    this.#quiescent = this.#clock.setTimer(this.#quiescentMs, () => this.flush());
    this.#policy.add(e);
  }

  /** Emits whatever is buffered now and clears both deadlines. */
  flush(): void {
    this.#quantum?.cancel();
    this.#quiescent?.cancel();
    this.#quantum = this.#quiescent = undefined;
    for (const e of this.#policy.drain()) this.#send(e);
  }

  /** Flushes what is buffered (as Serf does at shutdown) and stops buffering: later events pass straight through. */
  stop(): void {
    this.#stopped = true;
    this.flush();
  }

  #send(e: E): void {
    try {
      this.#emit(e);
    } catch (err) {
      this.#logger.error(`Failed to deliver coalesced event: ${errorMessage(err)}`);
    }
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `Cannot create coalescer: '${name}' must be a positive number: current value is ${value}`,
    );
  }
  return value;
}

// ------------------------------------------------------------ member events

/** The member event types Serf coalesces (every member event type). */
export type CoalescedMemberEventType = MemberEventType;

const MEMBER_TYPES: ReadonlySet<string> = new Set(MEMBER_EVENT_TYPES);

/** The shape {@linkcode MemberEventPolicy} reads and writes. */
export interface MemberEventShape<M extends { name: string } = { name: string }> {
  type: CoalescedMemberEventType;
  members: M[];
}

/**
 * Serf's member-event coalescing: for each member only its latest event type
 * counts, and a flush emits one event per type listing the members.
 *
 * A member is left out when the event type was already sent for it by an
 * earlier flush (join after join), except for updates, which always count.
 * Like Serf 0.9.4, the latest event per member is never forgotten, so a member
 * whose latest event was an update is reported as updated again at every later
 * flush; the real agent shows this too (a join after a tag change re-runs the
 * member-update handler). It is kept for behavioural parity.
 *
 * `E` is the engine's event union; its member events must be plain
 * `{ type, members }` objects (see {@linkcode MemberEventShape}) and flushed
 * events are new objects of exactly that shape.
 */
export class MemberEventPolicy<E extends { type: string }> implements CoalescePolicy<E> {
  /** Event type last sent per member name: survives flushes. */
  #lastSent = new Map<string, CoalescedMemberEventType>();
  /** Latest event per member name: also survives flushes, as in Serf. */
  #latest = new Map<string, { type: CoalescedMemberEventType; member: { name: string } }>();

  handles(e: E): boolean {
    return MEMBER_TYPES.has(e.type);
  }

  add(e: E): void {
    const event = e as unknown as MemberEventShape;
    for (const member of event.members) this.#latest.set(member.name, { type: event.type, member });
  }

  drain(): E[] {
    const groups = new Map<CoalescedMemberEventType, { name: string }[]>();
    for (const [name, latest] of this.#latest) {
      const previous = this.#lastSent.get(name);
      if (previous === latest.type && latest.type !== "member-update") continue;
      this.#lastSent.set(name, latest.type);
      const members = groups.get(latest.type) ?? [];
      members.push(latest.member);
      groups.set(latest.type, members);
    }
    return [...groups].map(([type, members]) => ({ type, members }) as unknown as E);
  }
}

// ------------------------------------------------------------ user events

/** The fields {@linkcode UserEventPolicy} reads. */
export interface UserEventShape {
  type: "user";
  lTime: number;
  name: string;
  /** The sender allowed coalescing (Serf's `CC` flag). */
  coalesce: boolean;
}

/**
 * Serf's user-event coalescing: only events sent with `coalesce: true` are
 * held; for each event name only the events with the highest Lamport time
 * seen in the batch are emitted (several if they share that time), older ones
 * are dropped. Events are emitted as they were pushed.
 */
export class UserEventPolicy<E extends { type: string }> implements CoalescePolicy<E> {
  #byName = new Map<string, { lTime: number; events: E[] }>();

  handles(e: E): boolean {
    return e.type === "user" && (e as unknown as UserEventShape).coalesce === true;
  }

  add(e: E): void {
    const { name, lTime } = e as unknown as UserEventShape;
    const latest = this.#byName.get(name);
    if (!latest || latest.lTime < lTime) this.#byName.set(name, { lTime, events: [e] });
    else if (latest.lTime === lTime) latest.events.push(e);
  }

  drain(): E[] {
    const out = [...this.#byName.values()].flatMap((latest) => latest.events);
    this.#byName.clear();
    return out;
  }
}
