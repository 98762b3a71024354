/**
 * The internal view of a running Serf node shared by its modules (members,
 * delegates, queries, internal queries). `Serf` implements it; nothing outside
 * lib/serf should depend on it.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import type { Random } from "../util/random.ts";
import type { TransmitLimitedQueue } from "../memberlist/broadcast_queue.ts";
import type { Memberlist } from "../memberlist/memberlist.ts";
import type { SerfConfig } from "./config.ts";
import type { LamportClock } from "./lamport.ts";
import type { MemberTable } from "./members.ts";
import type { QueryResponse, QuerySeen } from "./query.ts";
import type { EventBuffer } from "./user_event.ts";
import type { CoordinateClient } from "../coordinate/client.ts";
import type { Coordinate } from "../coordinate/coordinate.ts";
import type { SerfEvent, SerfState } from "./types.ts";

/** Counters for `info` and tests. */
export interface SerfStats {
  /** Failed members that came back within `flapTimeoutMs`. */
  flaps: number;
  /** Serf messages dropped because they could not be decoded. */
  droppedMessages: number;
  /** Events dropped because the event stream's consumer fell behind. */
  droppedEvents: number;
}

export interface SerfCore {
  readonly config: SerfConfig;
  readonly clock: Clock;
  readonly rng: Random;
  readonly log: Logger;
  readonly members: MemberTable;
  readonly stats: SerfStats;
  readonly memberClock: LamportClock;
  readonly eventClock: LamportClock;
  readonly queryClock: LamportClock;
  readonly intentQueue: TransmitLimitedQueue;
  readonly eventQueue: TransmitLimitedQueue;
  readonly queryQueue: TransmitLimitedQueue;
  /** Queries we started, by LTime, while they collect responses. */
  readonly pendingQueries: Map<number, QueryResponse>;
  readonly state: SerfState;
  /** The gossip layer; undefined only during construction. */
  readonly memberlist: Memberlist;
  /** Oldest user event / query LTime we accept (raised after snapshot replay or join without replay). */
  eventMinTime: number;
  queryMinTime: number;
  readonly eventBuffer: EventBuffer;
  readonly querySeen: QuerySeen;
  /** True while a join asked not to replay old user events. */
  eventJoinIgnore: boolean;
  /** Vivaldi client; undefined when coordinates are disabled. */
  readonly coordClient: CoordinateClient | undefined;
  /** Latest coordinate heard from each node. */
  readonly coordCache: Map<string, Coordinate>;

  /** Sends an event down the pipeline (snapshot, internal queries, coalescing, consumer). */
  emit(event: SerfEvent): void;
  /** A timer on the engine clock that shutdown cancels. */
  schedule(ms: number, fn: () => void): void;
  /** Broadcasts our join intent at `lTime`. */
  broadcastJoin(lTime: number): void;
  /** Queues an encoded intent broadcast; `notify` runs once it has been sent enough times. */
  broadcastIntent(raw: Uint8Array, notify?: () => void): void;
  /** Drops a node's cached coordinate (on reap). */
  forgetCoordinate(name: string): void;
}
