/**
 * Serf's member and event vocabulary, as embedders and the agent see it.
 *
 * @module
 */
import type { Coordinate } from "../coordinate/coordinate.ts";

/**
 * A member's status as Serf reports it (`serf members`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MemberStatus } from "./types.ts";
 *
 * function isGone(status: MemberStatus): boolean {
 *   return status === "left" || status === "failed";
 * }
 * assert.equal(isGone("failed"), true);
 * assert.equal(isGone("leaving"), false);
 * ```
 */
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

/**
 * A cluster member.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 * import type { Member } from "./types.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({ nodeName: "a", tags: { role: "web" }, memberlist: { transport, clock } });
 * const me: Member = serf.localMember();
 * assert.deepEqual([me.name, me.port, me.status, me.tags], ["a", 7946, "alive", { role: "web" }]);
 * assert.equal(me.delegateCur, serf.protocolVersion);
 * await serf.shutdown();
 * ```
 */
export interface Member extends MemberVersions {
  /** Unique node name. */
  name: string;
  /** IP literal. */
  addr: string;
  /** Gossip port (UDP and TCP). */
  port: number;
  /** The member's tags, decoded from its memberlist metadata. */
  tags: Record<string, string>;
  /** Where the member is in its life, as far as this node knows. */
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

/**
 * One membership event kind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MemberEventType } from "./types.ts";
 *
 * function isDeparture(type: MemberEventType): boolean {
 *   return type === "member-leave" || type === "member-failed" || type === "member-reap";
 * }
 * assert.equal(isDeparture("member-failed"), true);
 * assert.equal(isDeparture("member-update"), false);
 * ```
 */
export type MemberEventType = typeof MEMBER_EVENT_TYPES[number];

/** True when `type` names a membership event. */
export function isMemberEventType(type: string): type is MemberEventType {
  return (MEMBER_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * One or more members changed in the same way (several when coalesced).
 *
 * @example A new node's first event is its own join
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({ nodeName: "a", memberlist: { bindAddr: "127.0.0.1", transport, clock } });
 * const event = serf.eventQueueHandle.tryShift();
 * assert.ok(event?.type === "member-join");
 * assert.deepEqual(event.members.map((m) => m.name), ["a"]);
 * await serf.shutdown();
 * ```
 */
export interface MemberEvent {
  /** What happened to every member listed. */
  type: MemberEventType;
  /** The members it happened to. */
  members: Member[];
}

/**
 * A user event (`serf event`).
 *
 * @example The sender receives its own event too
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({ nodeName: "a", memberlist: { bindAddr: "127.0.0.1", transport, clock } });
 * serf.eventQueueHandle.tryShift(); // our own member-join
 * serf.userEvent("deploy", new TextEncoder().encode("v2"), false);
 * const event = serf.eventQueueHandle.tryShift();
 * assert.ok(event?.type === "user");
 * assert.deepEqual([event.name, new TextDecoder().decode(event.payload)], ["deploy", "v2"]);
 * await serf.shutdown();
 * ```
 */
export interface UserEvent {
  /** Discriminates user events from other {@linkcode SerfEvent}s. */
  type: "user";
  /** The event's Lamport time, which orders and deduplicates events. */
  lTime: number;
  /** Event name, chosen by the sender. */
  name: string;
  /** Opaque bytes from the sender. */
  payload: Uint8Array;
  /** Sender allowed coalescing of same-named events. */
  coalesce: boolean;
}

/**
 * A query delivered to this node; answer it with `respond` before `deadline`.
 *
 * @example A node answers its own query
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({ nodeName: "a", memberlist: { bindAddr: "127.0.0.1", transport, clock } });
 * const asked = serf.query("uptime", new Uint8Array());
 * await clock.advance(1);
 * serf.eventQueueHandle.tryShift(); // our own member-join
 * const query = serf.eventQueueHandle.tryShift();
 * assert.ok(query?.type === "query" && query.name === "uptime");
 * query.respond(new TextEncoder().encode("42s"));
 * await clock.advance(10);
 * assert.equal(new TextDecoder().decode(asked.responses.tryShift()?.payload), "42s");
 * await serf.shutdown();
 * ```
 */
export interface QueryEvent {
  /** Discriminates queries from other {@linkcode SerfEvent}s. */
  type: "query";
  /** The query's Lamport time. */
  lTime: number;
  /** Query name, chosen by the asker. */
  name: string;
  /** Opaque bytes from the asker. */
  payload: Uint8Array;
  /** Query id, unique per LTime. */
  id: number;
  /** Name of the node that asked. */
  sourceNode: string;
  /** Wall-clock (engine clock) time after which responses are refused. */
  deadline: number;
  /** Sends the response (at most once), relayed per the query's relay factor. */
  respond(payload: Uint8Array): void;
}

/**
 * Everything a Serf node emits; `type` tells which.
 *
 * @example Narrowing on `type`
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SerfEvent } from "./types.ts";
 *
 * function describe(event: SerfEvent): string {
 *   if (event.type === "user" || event.type === "query") return `${event.type} ${event.name}`;
 *   return `${event.type}: ${event.members.map((m) => m.name).join(", ")}`;
 * }
 * const deploy: SerfEvent = { type: "user", lTime: 1, name: "deploy", payload: new Uint8Array(), coalesce: false };
 * assert.equal(describe(deploy), "user deploy");
 * assert.equal(describe({ type: "member-leave", members: [] }), "member-leave: ");
 * ```
 */
export type SerfEvent = MemberEvent | UserEvent | QueryEvent;

/**
 * Lifecycle of the local node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({ nodeName: "a", memberlist: { bindAddr: "127.0.0.1", transport, clock } });
 * assert.equal(serf.state, "alive");
 * await serf.shutdown();
 * assert.equal(serf.state, "shutdown");
 * ```
 */
export type SerfState = "alive" | "leaving" | "left" | "shutdown";

export type { Coordinate };

/**
 * Event type names an event filter may use (handlers and RPC `stream`): the
 * member events, `user`, `query`, and `*` for everything.
 */
export const EVENT_FILTER_TYPES: ReadonlySet<string> = new Set([...MEMBER_EVENT_TYPES, "user", "query", "*"]);
