/**
 * Event handler specs as `serf agent -event-handler` takes them and how they
 * match events. `handler_lanes.ts` runs them.
 *
 * Spec syntax (Serf's): `script` (every event), `TYPE=script`,
 * `TYPE,TYPE=script`, `user:NAME=script`, `query:NAME=script`, `*=script`.
 * TYPE is member-join, member-leave, member-failed, member-update,
 * member-reap, user or query. Only the first `=` splits, so a script may
 * contain `=`, but a plain script must not (`A=b ./x.sh` reads as type `A`).
 *
 * @module
 */
import { EVENT_FILTER_TYPES } from "../serf/types.ts";
import type { SerfEvent } from "../serf/types.ts";

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
