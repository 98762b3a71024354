/**
 * The JSON shapes the dashboard reads from the agent's HTTP API (see the
 * README's "HTTP API" section). Field names follow Serf's RPC spelling, so they
 * are capitalised. Everything here is data from the network: views must treat
 * strings as text (never as HTML) and tolerate missing fields.
 *
 * @module
 */

export type { ApiCoordinate, ApiMember, ApiNodeCoordinate } from "../api_types.ts";
import type { ApiMember, ApiNodeCoordinate } from "../api_types.ts";

/** The member event types `/v1/events` sends. */
export type MemberEventType =
  | "member-join"
  | "member-leave"
  | "member-failed"
  | "member-update"
  | "member-reap";

/** A member event from `/v1/events`. */
export interface ApiMemberEvent {
  Event: MemberEventType;
  Members: ApiMember[];
}

/** A user event from `/v1/events`. */
export interface ApiUserEvent {
  Event: "user";
  LTime: number;
  Name: string;
  Payload: string;
  Coalesce: boolean;
}

/** A query from `/v1/events`. */
export interface ApiQueryEvent {
  Event: "query";
  ID: number;
  LTime: number;
  Name: string;
  Payload: string;
}

/** Anything `/v1/events` sends. */
export type ApiEvent = ApiMemberEvent | ApiUserEvent | ApiQueryEvent;

const MEMBER_EVENTS: ReadonlySet<string> = new Set([
  "member-join",
  "member-leave",
  "member-failed",
  "member-update",
  "member-reap",
]);

/**
 * Reads one `/v1/events` message (its `event:` type and `data:` JSON) into an
 * {@linkcode ApiEvent}, or undefined when it is not one the dashboard knows or
 * its data is malformed: a newer agent may send more, and the page must go on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseApiEvent } from "./types.ts";
 *
 * const e = parseApiEvent("user", '{"Event":"user","LTime":3,"Name":"deploy","Payload":"v2","Coalesce":true}');
 * assert.equal(e?.Event, "user");
 * assert.equal(parseApiEvent("user", "{not json"), undefined);
 * ```
 */
export function parseApiEvent(type: string, data: string): ApiEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (MEMBER_EVENTS.has(type)) {
    if (!Array.isArray(record.Members)) return undefined;
    const members = record.Members.filter(isApiMember);
    return { Event: type as MemberEventType, Members: members };
  }
  if (type === "user" || type === "query") {
    if (typeof record.Name !== "string") return undefined;
    const payload = typeof record.Payload === "string" ? record.Payload : "";
    const ltime = typeof record.LTime === "number" ? record.LTime : 0;
    if (type === "user") {
      return {
        Event: "user",
        LTime: ltime,
        Name: record.Name,
        Payload: payload,
        Coalesce: record.Coalesce === true,
      };
    }
    const id = typeof record.ID === "number" ? record.ID : 0;
    return { Event: "query", ID: id, LTime: ltime, Name: record.Name, Payload: payload };
  }
  return undefined;
}

/**
 * True when `value` has the member fields the views rely on (name, address,
 * status); numeric and tag fields are filled with defaults by
 * {@linkcode normalizeMember}.
 */
export function isApiMember(value: unknown): value is ApiMember {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.Name === "string" && typeof m.Addr === "string" && typeof m.Status === "string";
}

/** A copy of `m` with every field present, so views never meet `undefined`. */
export function normalizeMember(m: ApiMember): ApiMember {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const tags: Record<string, string> = {};
  if (typeof m.Tags === "object" && m.Tags !== null) {
    for (const [k, v] of Object.entries(m.Tags)) tags[k] = String(v);
  }
  return {
    Name: m.Name,
    Addr: m.Addr,
    Port: num(m.Port),
    Tags: tags,
    Status: m.Status,
    ProtocolMin: num(m.ProtocolMin),
    ProtocolMax: num(m.ProtocolMax),
    ProtocolCur: num(m.ProtocolCur),
    DelegateMin: num(m.DelegateMin),
    DelegateMax: num(m.DelegateMax),
    DelegateCur: num(m.DelegateCur),
  };
}

/**
 * True when `value` is a usable coordinate entry: a node name and finite
 * numbers everywhere (a NaN would poison the map's projection).
 */
export function isApiNodeCoordinate(value: unknown): value is ApiNodeCoordinate {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  if (typeof e.Node !== "string" || typeof e.Coord !== "object" || e.Coord === null) return false;
  const c = e.Coord as Record<string, unknown>;
  if (!Array.isArray(c.Vec) || !c.Vec.every((x) => typeof x === "number" && Number.isFinite(x))) return false;
  return [c.Error, c.Adjustment, c.Height].every((x) => typeof x === "number" && Number.isFinite(x));
}
