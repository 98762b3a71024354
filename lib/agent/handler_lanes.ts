/**
 * Runs event handlers without letting one slow script hold back the rest
 * (serf#369, serf#204). Serf's agent runs every handler of every event one at
 * a time, so a user-event script that takes a minute delays member-failed
 * handlers and query answers by a minute. Here each kind of event has a lane:
 * one for all membership events, one per user-event name, one per query name.
 * A lane runs its events one at a time, in order, so a handler never sees a
 * member-leave before the member-join it follows, nor two `deploy` events out
 * of order; different lanes run side by side, up to a bound. With a bound of
 * 1 the order is Serf's: oldest event first, one at a time.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import { isMemberEventType, type Member, type SerfEvent } from "../serf/types.ts";
import { type EventScript, eventScriptMatches } from "./event_handler.ts";

/** Handler runs (lanes) at once, by default: enough that a few stuck scripts do not stop the rest. */
export const DEFAULT_HANDLER_CONCURRENCY = 8;

/**
 * Runs one script for one event (normally `invokeEventScript`); rejects when
 * the run failed, and kills the run when `signal` aborts.
 */
export type ScriptInvoker = (
  script: string,
  self: Member,
  event: SerfEvent,
  signal: AbortSignal,
) => Promise<void>;

/** Options for {@linkcode ScriptEventHandler}. */
export interface ScriptEventHandlerOptions {
  scripts: EventScript[];
  /** Our own member, read when each event is handled (tags may have changed). */
  self: () => Member;
  invoke: ScriptInvoker;
  /** Logger with the `agent` subsystem. */
  logger: Logger;
  /** User events and queries waiting before the oldest is dropped (membership events never are). @default 1024 */
  capacity?: number;
  /** Lanes running at once; 1 runs everything in order, as Serf does. @default DEFAULT_HANDLER_CONCURRENCY */
  concurrency?: number;
}

interface Waiting {
  event: SerfEvent;
  /** Arrival order, to start the lane whose next event is oldest. */
  seq: number;
}

interface Lane {
  key: string;
  waiting: Waiting[];
  running: boolean;
  /** User events and queries may be dropped when too many wait; membership events never. */
  droppable: boolean;
}

/** The lane an event runs in: membership events share one; user events and queries go by name. */
export function laneOf(event: SerfEvent): string {
  if (event.type === "user") return `user:${event.name}`;
  if (event.type === "query") return `query:${event.name}`;
  return "member";
}

/**
 * Runs handlers for events off the agent's event path, lane by lane.
 *
 * @example A long user-event handler does not hold back a member-join handler
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEventHandlers } from "./event_handler.ts";
 * import { ScriptEventHandler } from "./handler_lanes.ts";
 * import { silentLogger } from "../util/log.ts";
 * import type { Member } from "../serf/types.ts";
 *
 * const self = { name: "a", tags: {} } as unknown as Member;
 * const ran: string[] = [];
 * let release = () => {};
 * const handler = new ScriptEventHandler({
 *   scripts: parseEventHandlers(["handler.sh"]),
 *   self: () => self,
 *   logger: silentLogger(),
 *   invoke: async (_script, _self, event) => {
 *     if (event.type === "user") await new Promise<void>((r) => (release = r)); // a slow deploy
 *     ran.push(event.type);
 *   },
 * });
 * handler.handleEvent({ type: "user", lTime: 1, name: "deploy", payload: new Uint8Array(), coalesce: false });
 * handler.handleEvent({ type: "member-join", members: [self] });
 * await new Promise((r) => setTimeout(r, 10));
 * assert.deepEqual(ran, ["member-join"]);
 * release();
 * await handler.close();
 * assert.deepEqual(ran, ["member-join", "user"]);
 * ```
 */
export class ScriptEventHandler {
  #scripts: EventScript[];
  #pending: EventScript[] | undefined;
  #options: ScriptEventHandlerOptions;
  #capacity: number;
  #concurrency: number;
  #lanes = new Map<string, Lane>();
  #running = 0;
  #waitingDroppable = 0;
  #seq = 0;
  #closed = false;
  #idle: (() => void)[] = [];
  #stop = new AbortController();
  /** User events and queries dropped because too many waited. */
  dropped = 0;

  constructor(options: ScriptEventHandlerOptions) {
    this.#options = options;
    this.#scripts = options.scripts;
    this.#capacity = options.capacity ?? 1024;
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_HANDLER_CONCURRENCY);
  }

  /** Current handlers (after any pending update). */
  get scripts(): readonly EventScript[] {
    return this.#pending ?? this.#scripts;
  }

  /** Queues `event` in its lane; never blocks. */
  handleEvent(event: SerfEvent): void {
    if (this.#closed) return;
    const key = laneOf(event);
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { key, waiting: [], running: false, droppable: !isMemberEventType(event.type) };
      this.#lanes.set(key, lane);
    }
    lane.waiting.push({ event, seq: this.#seq++ });
    if (lane.droppable && ++this.#waitingDroppable > this.#capacity) this.#dropOldest();
    this.#schedule();
  }

  /** Replaces the handlers, from the next event on (running handlers finish). */
  updateScripts(scripts: EventScript[]): void {
    this.#pending = scripts;
  }

  /** Stops taking events; resolves once every queued event is handled. The caller bounds the wait. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Kills running handlers and drops events not yet started (a shutdown that cannot wait longer). */
  abandon(): void {
    this.#closed = true;
    this.#stop.abort();
    for (const lane of this.#lanes.values()) lane.waiting.length = 0;
    this.#waitingDroppable = 0;
    this.#settleIfIdle();
  }

  #isIdle(): boolean {
    if (this.#running > 0) return false;
    for (const lane of this.#lanes.values()) if (lane.waiting.length > 0) return false;
    return true;
  }

  #settleIfIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Drops the oldest waiting user event or query, from whichever lane holds it. */
  #dropOldest(): void {
    let oldest: Lane | undefined;
    for (const lane of this.#lanes.values()) {
      if (!lane.droppable || lane.waiting.length === 0) continue;
      if (!oldest || lane.waiting[0]!.seq < oldest.waiting[0]!.seq) oldest = lane;
    }
    if (!oldest) return;
    oldest.waiting.shift();
    this.#waitingDroppable--;
    this.dropped++;
    if (this.dropped === 1 || this.dropped % 1000 === 0) {
      this.#options.logger.warn(`Event handlers are falling behind: dropped ${this.dropped} event(s) so far`);
    }
  }

  /** Starts lanes while there is room, the one whose next event is oldest first. */
  #schedule(): void {
    while (this.#running < this.#concurrency) {
      let next: Lane | undefined;
      for (const lane of this.#lanes.values()) {
        if (lane.running || lane.waiting.length === 0) continue;
        if (!next || lane.waiting[0]!.seq < next.waiting[0]!.seq) next = lane;
      }
      if (!next) break;
      void this.#runNext(next);
    }
    this.#settleIfIdle();
  }

  async #runNext(lane: Lane): Promise<void> {
    const { event } = lane.waiting.shift()!;
    if (lane.droppable) this.#waitingDroppable--;
    lane.running = true;
    this.#running++;
    try {
      await this.#runScripts(event);
    } finally {
      lane.running = false;
      this.#running--;
      if (lane.waiting.length === 0) this.#lanes.delete(lane.key);
      this.#schedule();
    }
  }

  /** Every matching script for one event, one after another, as Serf runs them. */
  async #runScripts(event: SerfEvent): Promise<void> {
    if (this.#pending) {
      this.#scripts = this.#pending;
      this.#pending = undefined;
    }
    const scripts = this.#scripts;
    const self = this.#options.self();
    for (const s of scripts) {
      if (this.#stop.signal.aborted) return;
      if (!eventScriptMatches(s, event)) continue;
      try {
        await this.#options.invoke(s.script, self, event, this.#stop.signal);
      } catch (err) {
        this.#options.logger.error(`Error invoking script '${s.script}': ${errorMessage(err)}`);
      }
    }
  }
}
