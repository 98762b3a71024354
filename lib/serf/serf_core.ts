/**
 * The engine of a Serf node: the state its modules (members, delegates,
 * queries, internal queries, maintenance) share and the plumbing they call to
 * emit events, schedule work and broadcast. The public {@linkcode Serf} class
 * is a thin face over one core; nothing outside lib/serf (tests aside) should
 * depend on it.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import { raceTimer } from "../util/deadline.ts";
import { TaskScope } from "../util/task_scope.ts";
import { errorMessage, ShutdownError } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import { type Metrics, NO_METRICS } from "../util/metrics.ts";
import type { Random } from "../util/random.ts";
import { TransmitLimitedQueue } from "../memberlist/broadcast_queue.ts";
import type { Memberlist } from "../memberlist/memberlist.ts";
import { CoordinateClient } from "../coordinate/client.ts";
import type { Coordinate } from "../coordinate/coordinate.ts";
import type { SerfConfig } from "./config.ts";
import { EventBuffer } from "./event_buffer.ts";
import { EventPipeline } from "./event_pipeline.ts";
import { LamportClock } from "./lamport.ts";
import { MemberTable } from "./member_table.ts";
import { MinRttFilter } from "./rtt_filter.ts";
import { type QueryResponse, QuerySeen } from "./query_response.ts";
import type { SerfEvent, SerfState } from "./types.ts";

/** Counters for `info` and tests. */
export interface SerfStats {
  /** Failed members that came back within `flapTimeoutMs`. */
  flaps: number;
  /** Serf messages dropped because they could not be decoded. */
  droppedMessages: number;
  /** Events dropped because the event stream's consumer fell behind. */
  droppedEvents: number;
  /** Broadcasts pruned from the intent, event and query queues past their depth limit. */
  prunedBroadcasts: number;
  /** User events this node started (each one also counts once in `serf.events` when handled). */
  userEventsSent: number;
  /** Queries this node started, internal ones (`_serf_*`) included. */
  queriesSent: number;
}

/** What the core needs besides its config: the node's time, randomness and log. */
export interface SerfCoreDeps {
  clock: Clock;
  rng: Random;
  logger: Logger;
  /** Claims events before the pipeline's consumer (internal queries); true when claimed. */
  internal: (core: SerfCore, event: SerfEvent) => boolean;
}

/** One Serf node's protocol state and plumbing; see the module doc. */
export class SerfCore {
  readonly config: SerfConfig;
  readonly clock: Clock;
  readonly rng: Random;
  readonly log: Logger;
  /** Serf's metrics (`serf.*`); disabled unless the config names one. */
  readonly metrics: Metrics;
  readonly members: MemberTable = new MemberTable();
  readonly stats: SerfStats = {
    flaps: 0,
    droppedMessages: 0,
    droppedEvents: 0,
    prunedBroadcasts: 0,
    userEventsSent: 0,
    queriesSent: 0,
  };
  readonly memberClock: LamportClock = new LamportClock();
  readonly eventClock: LamportClock = new LamportClock();
  readonly queryClock: LamportClock = new LamportClock();
  readonly intentQueue: TransmitLimitedQueue;
  readonly eventQueue: TransmitLimitedQueue;
  readonly queryQueue: TransmitLimitedQueue;
  /** Queries we started, by LTime, while they collect responses. */
  readonly pendingQueries: Map<number, QueryResponse> = new Map();
  readonly eventBuffer: EventBuffer;
  readonly querySeen: QuerySeen;
  /** Vivaldi client; undefined when coordinates are disabled. */
  readonly coordClient: CoordinateClient | undefined;
  /** Latest coordinate heard from each node. */
  readonly coordCache: Map<string, Coordinate> = new Map();
  /** Recent round trips per node; Vivaldi gets their minimum. */
  readonly rttFilter: MinRttFilter;
  /** Where events go: snapshot, internal queries, coalescing, the consumer's queue. */
  readonly pipeline: EventPipeline;
  /** Oldest user event / query LTime we accept (raised after snapshot replay or join without replay). */
  eventMinTime = 0;
  queryMinTime = 0;
  /** True while a join asked not to replay old user events. */
  eventJoinIgnore = false;
  state: SerfState = "alive";
  /** Aborts when the node shuts down. */
  readonly stopSignal: AbortSignal;

  #memberlist: Memberlist | undefined;
  readonly #scope: TaskScope;

  constructor(config: SerfConfig, deps: SerfCoreDeps) {
    this.config = config;
    this.clock = deps.clock;
    this.rng = deps.rng;
    this.log = deps.logger.child("serf");
    this.metrics = config.metrics ?? NO_METRICS;
    this.#scope = new TaskScope(deps.clock, (err) => this.log.error(errorMessage(err)));
    this.stopSignal = this.#scope.signal;
    // Retransmits scale with every member Serf knows, failed and left ones
    // too, as Serf's own queues do: a mixed cluster gossips alike.
    const numNodes = () => Math.max(1, this.members.byName.size);
    const retransmitMult = config.memberlist.retransmitMult ?? 4;
    this.intentQueue = new TransmitLimitedQueue({ numNodes, retransmitMult });
    this.eventQueue = new TransmitLimitedQueue({ numNodes, retransmitMult });
    this.queryQueue = new TransmitLimitedQueue({ numNodes, retransmitMult });
    this.eventBuffer = new EventBuffer(config.eventBuffer);
    this.querySeen = new QuerySeen(config.queryBuffer);
    this.coordClient = config.disableCoordinates ? undefined : new CoordinateClient({}, deps.rng);
    this.rttFilter = new MinRttFilter(config.rttMinWindow);
    this.pipeline = new EventPipeline({
      clock: deps.clock,
      log: this.log,
      capacity: config.eventQueueCapacity,
      coalesce: config,
      internal: (e) => deps.internal(this, e),
      onDrop: () => this.stats.droppedEvents++,
    });
  }

  /** The gossip layer. */
  get memberlist(): Memberlist {
    if (!this.#memberlist) throw new Error("Serf's gossip layer is not started yet");
    return this.#memberlist;
  }

  /** Attaches the gossip layer, once, when the node starts. */
  attachMemberlist(memberlist: Memberlist): void {
    this.#memberlist = memberlist;
  }

  /** Sends an event down the pipeline (snapshot, internal queries, coalescing, consumer). */
  emit(event: SerfEvent): void {
    this.pipeline.push(event);
  }

  /** A timer on the engine clock that shutdown cancels. */
  schedule(ms: number, fn: () => void): void {
    this.#scope.schedule(ms, fn);
  }

  /** Keeps background work for shutdown to await; its failure is logged. */
  track(task: Promise<unknown>): void {
    this.#scope.track(task);
  }

  /** Queues an encoded intent broadcast; `notify` runs once it has been sent enough times. */
  broadcastIntent(raw: Uint8Array, notify?: () => void): void {
    this.intentQueue.queueUnique(raw, notify);
    // Undefined only while the node starts; its gossip then begins with this queued.
    this.#memberlist?.wakeGossip();
  }

  /** Queues an intent and waits until it has gone out, or rejects after the broadcast timeout. */
  async broadcastIntentAndWait(raw: Uint8Array, timeoutMessage: string): Promise<void> {
    const sent = new Promise<void>((done) => this.broadcastIntent(raw, done));
    await raceTimer(this.clock, this.config.broadcastTimeoutMs, sent, () => {
      throw new Error(timeoutMessage);
    });
  }

  /** True when another member is alive, so a broadcast has somewhere to go. */
  hasAlivePeers(): boolean {
    for (const m of this.members.byName.values()) {
      if (m.member.name !== this.config.nodeName && m.member.status === "alive") return true;
    }
    return false;
  }

  /** Drops a node's cached coordinate (on reap). */
  forgetCoordinate(name: string): void {
    this.coordClient?.forgetNode(name);
    this.coordCache.delete(name);
    this.rttFilter.forget(name);
  }

  /** Stops timers, loops and queries, then the gossip layer and the pipeline. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.state === "shutdown") return;
    if (this.state !== "left") this.log.warn("Shutdown without a Leave");
    this.state = "shutdown";
    this.#scope.stop(new ShutdownError());
    for (const q of this.pendingQueries.values()) q.close();
    this.pendingQueries.clear();
    await this.#memberlist?.shutdown();
    await this.#scope.settled();
    await this.pipeline.close();
  }
}
