/**
 * A Serf node: gossip membership with Serf's semantics on top (graceful
 * leave vs failure, tags, user events, queries, key rotation, snapshots,
 * network coordinates), wire-compatible with HashiCorp Serf agents.
 *
 * @module
 */
import { type Clock, RealClock, type Timer } from "../util/clock.ts";
import type { AsyncQueue } from "../util/async.ts";
import { errorMessage, ShutdownError } from "../util/errors.ts";
import { Logger } from "../util/log.ts";
import { systemRandom } from "../util/random.ts";
import type { Random } from "../util/random.ts";
import type { Transport } from "../transport/transport.ts";
import { TransmitLimitedQueue } from "../memberlist/broadcast_queue.ts";
import { defaultLanConfig } from "../memberlist/config.ts";
import type { Keyring } from "../memberlist/keyring.ts";
import { Memberlist } from "../memberlist/memberlist.ts";
import { CoordinateClient } from "../coordinate/client.ts";
import type { Coordinate } from "../coordinate/coordinate.ts";
import {
  defaultSerfConfig,
  memberlistProtocolFor,
  SERF_PROTOCOL_VERSION_MAX,
  SERF_PROTOCOL_VERSION_MIN,
  type SerfConfig,
  validateSerfConfig,
} from "./config.ts";
import {
  encodeLocalTags,
  serfConflictDelegate,
  serfDelegate,
  serfEventDelegate,
  serfMergeDelegate,
  serfPingDelegate,
  uniqueBroadcast,
} from "./delegates.ts";
import { EventPipeline } from "./event_pipeline.ts";
import { handleInternalQuery, isInternalQuery } from "./internal_query.ts";
import { type KeyOperation, type KeyResponse, runKeyOperation } from "./key_manager.ts";
import { LamportClock } from "./lamport.ts";
import { handleJoinIntent, handleLeaveIntent, MemberTable, reap } from "./members.ts";
import { encodeSerfMessage } from "./messages.ts";
import { defaultQueryTimeoutMs, type QueryParam, type QueryResponse, QuerySeen } from "./query.ts";
import type { SerfCore, SerfStats } from "./serf_core.ts";
import { resolveNameConflict } from "./conflict.ts";
import { nodeSnapshotFs, Snapshotter } from "./snapshot.ts";
import type { Member, SerfEvent, SerfState } from "./types.ts";
import { EventBuffer } from "./user_event.ts";
import { checkQueueDepth, reconnectOnce, rejoinPrevious, stripNodeName } from "./maintenance.ts";
import { sendUserEvent, startQuery } from "./send.ts";

/** Options for {@linkcode Serf.create}: any Serf setting plus the gossip layer's, which needs a transport. */
export type SerfOptions = Partial<Omit<SerfConfig, "memberlist">> & {
  memberlist: Partial<SerfConfig["memberlist"]> & {
    transport: Transport;
    clock?: Clock;
    rng?: Random;
    logger?: Logger;
  };
};

/** One Serf cluster member. */
export class Serf implements SerfCore {
  readonly config: SerfConfig;
  readonly clock: Clock;
  readonly rng: Random;
  readonly log: Logger;
  readonly members: MemberTable = new MemberTable();
  readonly stats: SerfStats = { flaps: 0, droppedMessages: 0, droppedEvents: 0 };
  readonly memberClock: LamportClock = new LamportClock();
  readonly eventClock: LamportClock = new LamportClock();
  readonly queryClock: LamportClock = new LamportClock();
  readonly intentQueue: TransmitLimitedQueue;
  readonly eventQueue: TransmitLimitedQueue;
  readonly queryQueue: TransmitLimitedQueue;
  readonly pendingQueries: Map<number, QueryResponse> = new Map();
  readonly eventBuffer: EventBuffer;
  readonly querySeen: QuerySeen;
  readonly coordClient: CoordinateClient | undefined;
  readonly coordCache: Map<string, Coordinate> = new Map();
  eventMinTime = 0;
  queryMinTime = 0;
  eventJoinIgnore = false;
  #state: SerfState = "alive";
  #memberlist!: Memberlist;
  #pipeline: EventPipeline;
  #snapshot: Snapshotter | undefined;
  #timers = new Set<Timer>();
  #stop = new AbortController();
  #loops: Promise<void>[] = [];
  #pending = new Set<Promise<unknown>>();

  private constructor(config: SerfConfig, clock: Clock, rng: Random, logger: Logger) {
    this.config = config;
    this.clock = clock;
    this.rng = rng;
    this.log = logger.child("serf");
    const numNodes = () => this.#memberlist?.numMembers() ?? 1;
    const retransmitMult = config.memberlist.retransmitMult ?? 4;
    this.intentQueue = new TransmitLimitedQueue({ numNodes, retransmitMult });
    this.eventQueue = new TransmitLimitedQueue({ numNodes, retransmitMult });
    this.queryQueue = new TransmitLimitedQueue({ numNodes, retransmitMult });
    this.eventBuffer = new EventBuffer(config.eventBuffer);
    this.querySeen = new QuerySeen(config.queryBuffer);
    this.coordClient = config.disableCoordinates ? undefined : new CoordinateClient({}, rng);
    this.#pipeline = new EventPipeline({
      clock,
      log: this.log,
      capacity: config.eventQueueCapacity,
      coalesce: config,
      internal: (e) => {
        if (e.type === "query" && isInternalQuery(e.name)) {
          this.#track(handleInternalQuery(this, this.#internalHost, e));
          return true;
        }
        return false;
      },
      onDrop: () => this.stats.droppedEvents++,
    });
  }

  /**
   * Starts a Serf node (and its gossip layer), replaying its snapshot when one is configured.
   * Rejects with RangeError or TypeError for an invalid configuration.
   */
  static create(options: SerfOptions): Promise<Serf> {
    try {
      return Promise.resolve(Serf.#start(options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  static #start(options: SerfOptions): Serf {
    const base = defaultSerfConfig();
    const config: SerfConfig = {
      ...base,
      ...options,
      tags: { ...(options.tags ?? {}) },
      memberlist: { ...defaultLanConfig(), ...options.memberlist },
    };
    validateSerfConfig(config);
    const ml = options.memberlist;
    const clock = ml.clock ?? new RealClock();
    const rng = ml.rng ?? systemRandom;
    const logger = ml.logger ?? new Logger();
    const s = new Serf(config, clock, rng, logger);
    encodeLocalTags(s, config.tags); // refuse oversized tags before anything starts

    let previous: { name: string; addr: string }[] = [];
    if (config.snapshotPath) {
      s.#snapshot = Snapshotter.open({
        path: config.snapshotPath,
        fs: config.fs ?? nodeSnapshotFs(),
        clock,
        lamport: s.memberClock,
        logger: s.log,
        rejoinAfterLeave: config.rejoinAfterLeave,
        random: rng,
      });
      previous = s.#snapshot.aliveNodes();
      s.eventMinTime = s.#snapshot.lastEventClock + 1;
      s.queryMinTime = s.#snapshot.lastQueryClock + 1;
      s.#pipeline.snapshot = s.#snapshot;
    }
    s.memberClock.increment();
    s.eventClock.increment();
    s.queryClock.increment();
    if (s.#snapshot) {
      s.memberClock.witness(s.#snapshot.lastClock);
      s.eventClock.witness(s.#snapshot.lastEventClock);
      s.queryClock.witness(s.#snapshot.lastQueryClock);
    }
    if (s.coordClient) s.coordCache.set(config.nodeName, s.coordClient.getCoordinate());

    const merge = config.merge ? serfMergeDelegate(s) : undefined;
    s.#memberlist = Memberlist.create({
      ...config.memberlist,
      name: config.nodeName,
      transport: ml.transport,
      clock,
      rng,
      logger,
      protocolVersion: memberlistProtocolFor(config.protocolVersion),
      delegateProtocolVersion: config.protocolVersion,
      delegateProtocolMin: SERF_PROTOCOL_VERSION_MIN,
      delegateProtocolMax: SERF_PROTOCOL_VERSION_MAX,
      delegate: serfDelegate(s),
      events: serfEventDelegate(s),
      conflict: serfConflictDelegate(s, () => s.#track(resolveNameConflict(s, (n, p) => s.query(n, p, {})))),
      ping: s.coordClient ? serfPingDelegate(s) : undefined,
      merge,
      alive: merge ? { notifyAlive: merge.notifyAlive } : undefined,
    });
    s.#startLoops();
    if (previous.length > 0) s.#track(rejoinPrevious(s, previous));
    return s;
  }

  // ---- SerfCore plumbing ---------------------------------------------------

  get memberlist(): Memberlist {
    return this.#memberlist;
  }
  get state(): SerfState {
    return this.#state;
  }
  emit(event: SerfEvent): void {
    this.#pipeline.push(event);
  }
  schedule(ms: number, fn: () => void): void {
    const t = this.clock.setTimer(ms, () => {
      this.#timers.delete(t);
      fn();
    });
    this.#timers.add(t);
  }
  broadcastJoin(lTime: number): void {
    const msg = { type: "join" as const, lTime, node: this.config.nodeName };
    this.memberClock.witness(lTime);
    handleJoinIntent(this, msg);
    this.broadcastIntent(encodeSerfMessage(msg));
  }
  broadcastIntent(raw: Uint8Array, notify?: () => void): void {
    this.intentQueue.queueBroadcast(uniqueBroadcast(raw, notify));
    // Undefined only while #start builds the memberlist, whose gossip then starts with this queued.
    this.#memberlist?.wakeGossip();
  }
  forgetCoordinate(name: string): void {
    this.coordClient?.forgetNode(name);
    this.coordCache.delete(name);
  }

  #track<T>(p: Promise<T>): void {
    const tracked = p.catch((err) => this.log.error(errorMessage(err))).finally(() =>
      this.#pending.delete(tracked)
    );
    this.#pending.add(tracked);
  }

  #internalHost = {
    keyring: (): Keyring | undefined => this.config.memberlist.keyring,
    writeKeyringFile: async (): Promise<void> => {
      if (!this.config.keyringFile) return;
      const { saveKeyringFile } = await import("./keyring_file.ts");
      saveKeyringFile(this.config.keyringFile, this.config.memberlist.keyring!, { fs: this.config.fs });
    },
  };

  #startLoops(): void {
    const c = this.config;
    const signal = this.#stop.signal;
    const every = async (ms: number, fn: () => void | Promise<void>) => {
      while (!signal.aborted) {
        try {
          await this.clock.sleep(ms, signal);
        } catch {
          return;
        }
        try {
          await fn();
        } catch (err) {
          this.log.error(errorMessage(err));
        }
      }
    };
    this.#loops.push(every(c.reapIntervalMs, () => reap(this)));
    this.#loops.push(every(c.reconnectIntervalMs, () => reconnectOnce(this)));
    for (
      const [name, q] of [["Intent", this.intentQueue], ["Event", this.eventQueue], [
        "Query",
        this.queryQueue,
      ]] as const
    ) {
      this.#loops.push(every(c.queueCheckIntervalMs, () => checkQueueDepth(this, name, q)));
    }
  }

  // ---- Public API ------------------------------------------------------------

  /** Events for this node: member changes, user events and queries, in order. */
  get events(): AsyncIterable<SerfEvent> {
    return this.#pipeline.queue;
  }

  /** The bounded queue behind {@linkcode Serf.events} (for `tryShift`, `size`, `dropped`). */
  get eventQueueHandle(): AsyncQueue<SerfEvent> {
    return this.#pipeline.queue;
  }

  /** Serf protocol version spoken. */
  get protocolVersion(): number {
    return this.config.protocolVersion;
  }

  get encryptionEnabled(): boolean {
    return (this.config.memberlist.keyring?.getKeys().length ?? 0) > 0;
  }

  /** Every member we know, in any status. */
  allMembers(): Member[] {
    return [...this.members.byName.values()].map((m) => ({ ...m.member, tags: { ...m.member.tags } }));
  }

  localMember(): Member {
    const m = this.members.byName.get(this.config.nodeName)!.member;
    return { ...m, tags: { ...m.tags } };
  }

  /** memberlist's count of alive members (what Serf uses for query sizing). */
  numMembers(): number {
    return this.#memberlist.numMembers();
  }

  /**
   * Joins through any of `addresses`; `ignoreOld` skips replaying user events
   * that happened before the join.
   * @returns how many addresses were contacted
   */
  async join(addresses: string[], ignoreOld = false): Promise<number> {
    if (this.#state !== "alive") throw new Error("Serf can't Join after Leave or Shutdown");
    this.eventJoinIgnore = ignoreOld;
    try {
      const n = await this.#memberlist.join(addresses.map(stripNodeName));
      if (n > 0) this.broadcastJoin(this.memberClock.time());
      return n;
    } finally {
      this.eventJoinIgnore = false;
    }
  }

  /** Replaces our tags and gossips them. */
  async setTags(tags: Record<string, string>): Promise<void> {
    encodeLocalTags(this, tags);
    this.config.tags = { ...tags };
    await this.#memberlist.updateNode(this.config.broadcastTimeoutMs);
  }

  /**
   * Sends a user event to the cluster.
   * @throws {RangeError} when the event exceeds the configured size limit
   */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    sendUserEvent(this, name, payload, coalesce);
  }

  /** Serf's default query timeout for the current cluster size. */
  defaultQueryTimeoutMs(): number {
    return defaultQueryTimeoutMs(this);
  }

  /**
   * Starts a query; responses stream in on the returned object until its deadline.
   * @throws {RangeError} when the query exceeds `querySizeLimit`
   */
  query(name: string, payload: Uint8Array, params: QueryParam = {}): QueryResponse {
    if (this.#state === "shutdown") throw new ShutdownError();
    return startQuery(this, name, payload, params);
  }

  /** Cluster-wide key operations (install, use, remove, list). */
  async keyOperation(
    op: KeyOperation,
    key = "",
    relayFactor = 0,
  ): Promise<{ response: KeyResponse; error?: string }> {
    return await runKeyOperation(
      { query: (n, p, params) => this.query(n, p, params), numMembers: () => this.numMembers() },
      op,
      key,
      relayFactor,
    );
  }

  /** Our current network coordinate, or undefined when coordinates are disabled. */
  getCoordinate(): Coordinate | undefined {
    return this.coordClient?.getCoordinate();
  }

  /** The last coordinate we heard from `name`. */
  getCachedCoordinate(name: string): Coordinate | undefined {
    return this.coordCache.get(name);
  }

  /**
   * Marks a failed node as left (force-leave); with `prune`, forgets it at once.
   */
  async forceLeave(node: string, prune = false): Promise<void> {
    const msg = { type: "leave" as const, lTime: this.memberClock.time(), node, prune };
    this.memberClock.increment();
    handleLeaveIntent(this, msg);
    if (!this.#hasAliveMembers()) return;
    await this.#broadcastAndWait(encodeSerfMessage(msg), "timed out broadcasting node removal");
  }

  #hasAliveMembers(): boolean {
    for (const m of this.members.byName.values()) {
      if (m.member.name !== this.config.nodeName && m.member.status === "alive") return true;
    }
    return false;
  }

  async #broadcastAndWait(raw: Uint8Array, timeoutMessage: string): Promise<void> {
    let done!: () => void;
    const sent = new Promise<void>((r) => (done = r));
    this.broadcastIntent(raw, () => done());
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimer(this.config.broadcastTimeoutMs, () => reject(new Error(timeoutMessage)));
    });
    try {
      await Promise.race([sent, timeout]);
    } finally {
      timer?.cancel();
    }
  }

  /** Leaves gracefully: a leave intent, then memberlist's leave, then a pause for it to spread. */
  async leave(): Promise<void> {
    if (this.#state === "left") return;
    if (this.#state === "leaving") throw new Error("Leave already in progress");
    if (this.#state === "shutdown") throw new Error("Leave called after Shutdown");
    this.#state = "leaving";
    this.#snapshot?.leave();
    const msg = {
      type: "leave" as const,
      lTime: this.memberClock.time(),
      node: this.config.nodeName,
      prune: false,
    };
    this.memberClock.increment();
    handleLeaveIntent(this, msg);
    if (this.#hasAliveMembers()) {
      await this.#broadcastAndWait(encodeSerfMessage(msg), "timeout while waiting for graceful leave");
    }
    await this.#memberlist.leave(this.config.broadcastTimeoutMs);
    await this.clock.sleep(this.config.leavePropagateDelayMs);
    if (this.#state === "leaving") this.#state = "left";
  }

  /** Stops everything. Call `leave` first for a graceful exit. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.#state === "shutdown") return;
    if (this.#state !== "left") this.log.warn("Shutdown without a Leave");
    this.#state = "shutdown";
    this.#stop.abort(new ShutdownError());
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    for (const q of this.pendingQueries.values()) q.close();
    this.pendingQueries.clear();
    await this.#memberlist.shutdown();
    await Promise.allSettled([...this.#loops, ...this.#pending]);
    await this.#pipeline.close();
    this.#snapshot?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** Serf's `info` stats (string values, as the RPC returns them). */
  statsMap(): Record<string, string> {
    const out: Record<string, string> = {
      members: String(this.members.byName.size),
      failed: String(this.members.failed.length),
      left: String(this.members.left.length),
      health_score: String(this.#memberlist.healthScore),
      member_time: String(this.memberClock.time()),
      event_time: String(this.eventClock.time()),
      query_time: String(this.queryClock.time()),
      intent_queue: String(this.intentQueue.numQueued()),
      event_queue: String(this.eventQueue.numQueued()),
      query_queue: String(this.queryQueue.numQueued()),
      encrypted: String(this.encryptionEnabled),
    };
    if (this.coordClient) out.coordinate_resets = String(this.coordClient.stats().resets);
    return out;
  }
}
