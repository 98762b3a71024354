/**
 * Event handler specs as `serf agent -event-handler` takes them, and the
 * queue that runs matching handlers one at a time, in event order.
 *
 * Spec syntax (Serf's): `script` (every event), `TYPE=script`,
 * `TYPE,TYPE=script`, `user:NAME=script`, `query:NAME=script`, `*=script`.
 * TYPE is member-join, member-leave, member-failed, member-update,
 * member-reap, user or query. Only the first `=` splits, so a script may
 * contain `=`, but a plain script must not (`A=b ./x.sh` reads as type `A`).
 *
 * @module
 */
import { EVENT_FILTER_TYPES, isMemberEventType } from "../serf/types.ts";
import { AsyncQueue } from "../util/async.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import type { Member, SerfEvent } from "../serf/types.ts";

/** One handler: which events it wants and the shell script to run. */
export interface EventScript {
  /** An event type, or `*` for all. */
  event: string;
  /** For `user` and `query`: only events with this name; empty for all. */
  name: string;
  script: string;
}

const VALID_EVENTS = EVENT_FILTER_TYPES;

/**
 * Parses one spec into one script per listed event type (unvalidated, as Serf does).
 *
 * @example
 * ```ts
 * import { parseEventScript } from "./event_handler.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseEventScript("member-join,user:deploy=run.sh"), [
 *   { event: "member-join", name: "", script: "run.sh" },
 *   { event: "user", name: "deploy", script: "run.sh" },
 * ]);
 * ```
 */
export function parseEventScript(spec: string): EventScript[] {
  const eq = spec.indexOf("=");
  const filter = eq < 0 ? "" : spec.slice(0, eq);
  const script = eq < 0 ? spec : spec.slice(eq + 1);
  return (filter === "" ? "*" : filter).split(",").map((part) => {
    for (const prefix of ["user", "query"]) {
      if (part.startsWith(`${prefix}:`)) {
        return { event: prefix, name: part.slice(prefix.length + 1), script };
      }
    }
    return { event: part, name: "", script };
  });
}

/**
 * Parses every spec and checks the event types.
 * @throws {SyntaxError} `Invalid event script: Event 'foo' invoking 'x.sh'` for an unknown type
 */
export function parseEventHandlers(specs: readonly string[]): EventScript[] {
  const scripts = specs.flatMap(parseEventScript);
  for (const s of scripts) {
    if (!VALID_EVENTS.has(s.event)) throw new SyntaxError(`Invalid event script: ${describeEventScript(s)}`);
  }
  return scripts;
}

/** Serf's description of a handler: `Event 'user:deploy' invoking 'deploy.sh'`. */
export function describeEventScript(s: EventScript): string {
  const filter = s.name ? `${s.event}:${s.name}` : s.event;
  return `Event '${filter}' invoking '${s.script}'`;
}

/** Whether `script` wants `event`. */
export function eventScriptMatches(script: EventScript, event: SerfEvent): boolean {
  if (script.event === "*") return true;
  if (script.event !== event.type) return false;
  if ((event.type === "user" || event.type === "query") && script.name !== "") {
    return event.name === script.name;
  }
  return true;
}

/** An event as Serf's agent logs it: `member-join`, `user-event: deploy`, `query: uptime`. */
export function describeEvent(event: SerfEvent): string {
  if (event.type === "user") return `user-event: ${event.name}`;
  if (event.type === "query") return `query: ${event.name}`;
  return event.type;
}

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
  /** Events waiting for handlers before the oldest user event or query is dropped. @default 1024 */
  capacity?: number;
}

/**
 * Runs handlers for events, one run at a time in event order, off the
 * agent's event path: a slow handler delays later handlers (as in Serf)
 * but never the agent's other event consumers.
 */
export class ScriptEventHandler {
  #scripts: EventScript[];
  #pending: EventScript[] | undefined;
  #queue: AsyncQueue<SerfEvent>;
  #options: ScriptEventHandlerOptions;
  #loop: Promise<void>;
  #stop = new AbortController();

  constructor(options: ScriptEventHandlerOptions) {
    this.#options = options;
    this.#scripts = options.scripts;
    this.#queue = new AsyncQueue({
      capacity: options.capacity ?? 1024,
      // A handler that falls behind may miss user events and queries, never a membership change.
      mustKeep: (e) => isMemberEventType(e.type),
      onDrop: (n) => options.logger.warn(`Event handlers are falling behind: dropped ${n} event(s) so far`),
    });
    this.#loop = this.#run();
  }

  /** Current handlers (after any pending update). */
  get scripts(): readonly EventScript[] {
    return this.#pending ?? this.#scripts;
  }

  /** Queues `event` for the handlers; never blocks. */
  handleEvent(event: SerfEvent): void {
    this.#queue.push(event);
  }

  /** Replaces the handlers, from the next event on (a running handler finishes). */
  updateScripts(scripts: EventScript[]): void {
    this.#pending = scripts;
  }

  /** Stops taking events; resolves once queued events are handled. The caller bounds the wait. */
  async close(): Promise<void> {
    this.#queue.close();
    await this.#loop;
  }

  /** Kills the running handler and drops events not yet started (a shutdown that cannot wait longer). */
  abandon(): void {
    this.#stop.abort();
    this.#queue.close();
  }

  async #run(): Promise<void> {
    for await (const event of this.#queue) {
      if (this.#stop.signal.aborted) return;
      if (this.#pending) {
        this.#scripts = this.#pending;
        this.#pending = undefined;
      }
      const self = this.#options.self();
      for (const s of this.#scripts) {
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
}
