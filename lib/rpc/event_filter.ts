/**
 * Event filters as `serf agent -event-handler` and the RPC `stream` command
 * write them: a comma-separated list of event types, where `user:NAME` and
 * `query:NAME` narrow to one event name and `*` (or nothing) means everything.
 *
 * @module
 */
import { EVENT_FILTER_TYPES } from "../serf/types.ts";
import type { SerfEvent } from "../serf/types.ts";

/** One parsed filter entry. */
export interface EventFilter {
  /** "member-join", ..., "user", "query" or "*". */
  event: string;
  /** For user and query events, the only name that passes ("" for any). */
  name: string;
}

const VALID_EVENTS = EVENT_FILTER_TYPES;

/**
 * Parses a filter list such as `member-join,user:deploy`. An empty string means `*`.
 * @example
 * ```ts
 * import { parseEventFilter } from "./event_filter.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseEventFilter("user:deploy,member-join"), [
 *   { event: "user", name: "deploy" },
 *   { event: "member-join", name: "" },
 * ]);
 * ```
 */
export function parseEventFilter(text: string): EventFilter[] {
  return (text === "" ? "*" : text).split(",").map((entry) => {
    for (const kind of ["user", "query"]) {
      if (entry.startsWith(`${kind}:`)) return { event: kind, name: entry.slice(kind.length + 1) };
    }
    return { event: entry, name: "" };
  });
}

/** True when the filter names an event type Serf knows. */
export function isValidEventFilter(f: EventFilter): boolean {
  return VALID_EVENTS.has(f.event);
}

/** True when `event` passes `f`. */
export function eventFilterMatches(f: EventFilter, event: SerfEvent): boolean {
  if (f.event === "*") return true;
  if (event.type !== f.event) return false;
  if (f.name === "") return true;
  return (event.type === "user" || event.type === "query") && event.name === f.name;
}

/** True when any filter in the list passes `event`. */
export function anyEventFilterMatches(filters: EventFilter[], event: SerfEvent): boolean {
  return filters.some((f) => eventFilterMatches(f, event));
}
