/**
 * Serf's member and event vocabulary, as embedders and the agent see it.
 *
 * @module
 */
import type { Coordinate } from "../coordinate/coordinate.ts";

/** A member's status as Serf reports it (`serf members`). */
export type MemberStatus = "none" | "alive" | "leaving" | "left" | "failed";

/** Numeric status codes as Serf encodes them on the wire and over RPC. */
export const MEMBER_STATUS_CODE: Record<MemberStatus, number> = {
  none: 0,
  alive: 1,
  leaving: 2,
  left: 3,
  failed: 4,
};

/** The protocol versions a member speaks: memberlist's (protocol) and Serf's (delegate), min/max/current. */
export interface MemberVersions {
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

/** A cluster member. */
export interface Member extends MemberVersions {
  name: string;
  /** IP literal. */
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: MemberStatus;
}

/** Membership event kinds, named as Serf names them for handlers. */
export const MEMBER_EVENT_TYPES = [
  "member-join",
  "member-leave",
  "member-failed",
  "member-update",
  "member-reap",
] as const;

/** One membership event kind. */
export type MemberEventType = typeof MEMBER_EVENT_TYPES[number];

/** True when `type` names a membership event. */
export function isMemberEventType(type: string): type is MemberEventType {
  return (MEMBER_EVENT_TYPES as readonly string[]).includes(type);
}

/** One or more members changed in the same way (several when coalesced). */
export interface MemberEvent {
  type: MemberEventType;
  members: Member[];
}

/** A user event (`serf event`). */
export interface UserEvent {
  type: "user";
  lTime: number;
  name: string;
  payload: Uint8Array;
  /** Sender allowed coalescing of same-named events. */
  coalesce: boolean;
}

/** A query delivered to this node; answer it with `respond` before `deadline`. */
export interface QueryEvent {
  type: "query";
  lTime: number;
  name: string;
  payload: Uint8Array;
  /** Query id, unique per LTime. */
  id: number;
  sourceNode: string;
  /** Wall-clock (engine clock) time after which responses are refused. */
  deadline: number;
  /** Sends the response (at most once), relayed per the query's relay factor. */
  respond(payload: Uint8Array): void;
}

/** Everything a Serf node emits. */
export type SerfEvent = MemberEvent | UserEvent | QueryEvent;

/** Lifecycle of the local node. */
export type SerfState = "alive" | "leaving" | "left" | "shutdown";

export type { Coordinate };

/**
 * Event type names an event filter may use (handlers and RPC `stream`): the
 * member events, `user`, `query`, and `*` for everything.
 */
export const EVENT_FILTER_TYPES: ReadonlySet<string> = new Set([...MEMBER_EVENT_TYPES, "user", "query", "*"]);
