/**
 * A Serf node: gossip membership with Serf's semantics on top (graceful
 * leave vs failure, tags, user events, queries, key rotation, snapshots,
 * network coordinates), wire-compatible with HashiCorp Serf agents. The class
 * is a thin face: the protocol state lives in a {@linkcode SerfCore} that only
 * lib/serf's modules see.
 *
 * @module
 */
import { type Clock, RealClock } from "../util/clock.ts";
import type { AsyncQueue } from "../util/async.ts";
import { errorMessage, ShutdownError } from "../util/errors.ts";
import { Serial } from "../util/serial.ts";
import { Logger } from "../util/log.ts";
import { systemRandom } from "../util/random.ts";
import type { Random } from "../util/random.ts";
import type { Transport } from "../transport/transport.ts";
import { listenTransport } from "../transport/detect.ts";
import { hostName } from "../platform/host_name.ts";
import { defaultLanConfig } from "../memberlist/config.ts";
import type { Keyring } from "../memberlist/keyring.ts";
import { Memberlist } from "../memberlist/memberlist.ts";
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
} from "./delegates.ts";
import { handleInternalQuery, isInternalQuery } from "./internal_query.ts";
import { type KeyOperation, type KeyResponse, runKeyOperation } from "./key_manager.ts";
import { broadcastJoin, handleLeaveIntent, restoreFailedMembers } from "./members.ts";
import { encodeSerfMessage } from "./messages.ts";
import { defaultQueryTimeoutMs } from "./query.ts";
import type { QueryParam, QueryResponse } from "./query_response.ts";
import { SerfCore, type SerfStats } from "./serf_core.ts";
import { resolveNameConflict } from "./conflict.ts";
import { nodeSnapshotFs, Snapshotter } from "./snapshot.ts";
import type { Member, SerfEvent, SerfState } from "./types.ts";
import { rejoinPrevious, startMaintenance } from "./maintenance.ts";
import { sendUserEvent, startQuery } from "./send.ts";

/**
 * Options for {@linkcode Serf.create}: any Serf setting plus the gossip layer's, which needs a transport.
 * Settings left out take {@linkcode defaultSerfConfig}'s values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 * import type { SerfOptions } from "./serf.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const options: SerfOptions = {
 *   nodeName: "web-1",
 *   tags: { role: "web" },
 *   memberlist: { bindAddr: "127.0.0.1", transport, clock },
 * };
 * const serf = await Serf.create(options);
 * assert.deepEqual(serf.localMember().tags, { role: "web" });
 * await serf.shutdown();
 * ```
 */
export type SerfOptions = Partial<Omit<SerfConfig, "memberlist">> & {
  memberlist?: Partial<SerfConfig["memberlist"]> & {
    /**
     * The network endpoint. When absent, `Serf.create` listens on
     * `bindAddr:bindPort` with the runtime's UDP and TCP (Deno or Bun), and
     * shutting down closes it.
     */
    transport?: Transport;
    clock?: Clock;
    rng?: Random;
    logger?: Logger;
  };
};

/** The cores behind the faces, for lib/serf's own modules and tests. */
const cores = new WeakMap<Serf, SerfCore>();

/**
 * The core behind `serf`. Not part of the public API (mod.ts does not export
 * it): tests reach protocol state through it.
 */
export function serfCoreOf(serf: Serf): SerfCore {
  return cores.get(serf)!;
}

/** Keyring access for the internal key queries. */
function internalHost(core: SerfCore) {
  return {
    keyring: (): Keyring | undefined => core.config.memberlist.keyring,
    writeKeyringFile: async (): Promise<void> => {
      if (!core.config.keyringFile) return;
      const { saveKeyringFile } = await import("./keyring_file.ts");
      saveKeyringFile(core.config.keyringFile, core.config.memberlist.keyring!, { fs: core.config.fs });
    },
  };
}

/** Internal queries (`_serf_*`) are answered by the node itself and never reach the consumer. */
function claimInternal(core: SerfCore, e: SerfEvent): boolean {
  if (e.type !== "query" || !isInternalQuery(e.name)) return false;
  core.track(handleInternalQuery(core, internalHost(core), e));
  return true;
}

/**
 * One Serf cluster member.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLocalConfig, MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const start = (nodeName: string, port: number) =>
 *   Serf.create({
 *     nodeName,
 *     tags: { role: "web" },
 *     memberlist: {
 *       ...defaultLocalConfig(),
 *       bindAddr: "127.0.0.1",
 *       bindPort: port,
 *       transport: network.listen({ host: "127.0.0.1", port }),
 *       clock,
 *     },
 *   });
 * const a = await start("a", 7946);
 * const b = await start("b", 7947);
 * const joined = b.join(["127.0.0.1:7946"]);
 * await clock.advance(1_000);
 * assert.equal(await joined, 1);
 * assert.deepEqual(a.allMembers().map((m) => m.name).sort(), ["a", "b"]);
 * await Promise.all([a.shutdown(), b.shutdown()]);
 * ```
 */
export class Serf {
  readonly #core: SerfCore;
  #snapshot: Snapshotter | undefined;
  readonly #joins = new Serial();

  private constructor(core: SerfCore) {
    this.#core = core;
    cores.set(this, core);
  }

  /**
   * Starts a Serf node (and its gossip layer), replaying its snapshot when one is configured.
   * Rejects with RangeError or TypeError for an invalid configuration.
   */
  static async create(options: SerfOptions): Promise<Serf> {
    const given = options.memberlist ?? {};
    if (given.transport) return Serf.#start(options, given.transport);
    const { bindAddr, bindPort } = { ...defaultLanConfig(), ...given };
    const transport = await listenTransport({
      host: bindAddr,
      port: bindPort,
      logger: given.logger,
      clock: given.clock,
    });
    try {
      return Serf.#start(
        { ...options, memberlist: { ...given, bindPort: transport.localAddress.port } },
        transport,
      );
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  static #start(options: SerfOptions, transport: Transport): Serf {
    const base = defaultSerfConfig();
    const config: SerfConfig = {
      ...base,
      ...options,
      nodeName: options.nodeName || hostName(),
      tags: { ...(options.tags ?? {}) },
      memberlist: { ...defaultLanConfig(), ...options.memberlist },
    };
    validateSerfConfig(config);
    const ml = options.memberlist ?? {};
    const clock = ml.clock ?? new RealClock();
    const rng = ml.rng ?? systemRandom;
    const logger = ml.logger ?? new Logger();
    const core = new SerfCore(config, { clock, rng, logger, internal: claimInternal });
    const face = new Serf(core);
    encodeLocalTags(core, config.tags); // refuse oversized tags before anything starts

    let previous: { name: string; addr: string }[] = [];
    let snapshot: Snapshotter | undefined;
    try {
      snapshot = config.snapshotPath
        ? Snapshotter.open({
          path: config.snapshotPath,
          fs: config.fs ?? nodeSnapshotFs(),
          clock,
          lamport: core.memberClock,
          logger: core.log,
          rejoinAfterLeave: config.rejoinAfterLeave,
          random: rng,
          metrics: core.metrics,
        })
        : undefined;
    } catch (err) {
      throw new Error(`Failed to setup snapshot: ${errorMessage(err)}`, { cause: err });
    }
    if (snapshot) {
      face.#snapshot = snapshot;
      previous = snapshot.aliveNodes();
      restoreFailedMembers(core, snapshot.failedNodes());
      core.eventMinTime = snapshot.lastEventClock + 1;
      core.queryMinTime = snapshot.lastQueryClock + 1;
      core.pipeline.snapshot = snapshot;
    }
    core.memberClock.increment();
    core.eventClock.increment();
    core.queryClock.increment();
    if (snapshot) {
      core.memberClock.witness(snapshot.lastClock);
      core.eventClock.witness(snapshot.lastEventClock);
      core.queryClock.witness(snapshot.lastQueryClock);
    }
    if (core.coordClient) core.coordCache.set(config.nodeName, core.coordClient.getCoordinate());

    const merge = config.merge || config.validateNodeNames ? serfMergeDelegate(core) : undefined;
    core.attachMemberlist(Memberlist.create({
      ...config.memberlist,
      name: config.nodeName,
      transport,
      clock,
      rng,
      logger,
      metrics: config.memberlist.metrics ?? core.metrics,
      protocolVersion: memberlistProtocolFor(config.protocolVersion),
      delegateProtocolVersion: config.protocolVersion,
      delegateProtocolMin: SERF_PROTOCOL_VERSION_MIN,
      delegateProtocolMax: SERF_PROTOCOL_VERSION_MAX,
      delegate: serfDelegate(core),
      events: serfEventDelegate(core),
      conflict: serfConflictDelegate(
        core,
        () => core.track(resolveNameConflict(core, (n, p) => face.query(n, p, {}))),
      ),
      ping: core.coordClient ? serfPingDelegate(core) : undefined,
      merge,
      alive: merge ? { notifyAlive: merge.notifyAlive } : undefined,
    }));
    for (const loop of startMaintenance(core)) core.track(loop);
    if (previous.length > 0) core.track(rejoinPrevious(core, previous));
    return face;
  }

  /** The gossip layer underneath (memberlist). */
  get memberlist(): Memberlist {
    return this.#core.memberlist;
  }

  /** Where the node is in its life: alive, leaving, left or shutdown. */
  get state(): SerfState {
    return this.#core.state;
  }

  /** A copy of the node's counters (flaps, dropped messages, dropped events). */
  get stats(): Readonly<SerfStats> {
    return { ...this.#core.stats };
  }

  /** Events for this node: member changes, user events and queries, in order. */
  get events(): AsyncIterable<SerfEvent> {
    return this.#core.pipeline.queue;
  }

  /** The bounded queue behind {@linkcode Serf.events} (for `tryShift`, `size`, `dropped`). */
  get eventQueueHandle(): AsyncQueue<SerfEvent> {
    return this.#core.pipeline.queue;
  }

  /** Serf protocol version spoken. */
  get protocolVersion(): number {
    return this.#core.config.protocolVersion;
  }

  /** True when a keyring with at least one key is configured. */
  get encryptionEnabled(): boolean {
    return (this.#core.config.memberlist.keyring?.getKeys().length ?? 0) > 0;
  }

  /** Every member we know, in any status. */
  allMembers(): Member[] {
    return [...this.#core.members.byName.values()].map((m) => ({ ...m.member, tags: { ...m.member.tags } }));
  }

  /** Our own member record. */
  localMember(): Member {
    const m = this.#core.members.byName.get(this.#core.config.nodeName)!.member;
    return { ...m, tags: { ...m.tags } };
  }

  /** memberlist's count of alive members (what Serf uses for query sizing). */
  numMembers(): number {
    return this.#core.memberlist.numMembers();
  }

  /**
   * Joins through any of `addresses`; `ignoreOld` skips replaying user events
   * that happened before the join.
   * @returns how many addresses were contacted
   */
  join(addresses: string[], ignoreOld = false): Promise<number> {
    // One join at a time, as Serf's join lock: `ignoreOld` is a node-wide switch
    // that a concurrent join with another setting would otherwise flip.
    return this.#joins.run(async () => {
      const core = this.#core;
      if (core.state !== "alive") throw new Error("Serf can't Join after Leave or Shutdown");
      core.eventJoinIgnore = ignoreOld;
      try {
        // memberlist peels off `name/` prefixes itself, and names the whole text when one fails.
        const n = await core.memberlist.join(addresses);
        if (n > 0) broadcastJoin(core, core.memberClock.time());
        return n;
      } finally {
        core.eventJoinIgnore = false;
      }
    });
  }

  /** Replaces our tags and gossips them. */
  async setTags(tags: Record<string, string>): Promise<void> {
    encodeLocalTags(this.#core, tags);
    this.#core.config.tags = { ...tags };
    await this.#core.memberlist.updateNode(this.#core.config.broadcastTimeoutMs);
  }

  /**
   * Sends a user event to the cluster.
   * @throws {RangeError} when the event exceeds the configured size limit
   */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    sendUserEvent(this.#core, name, payload, coalesce);
  }

  /** Serf's default query timeout for the current cluster size. */
  defaultQueryTimeoutMs(): number {
    return defaultQueryTimeoutMs(this.#core);
  }

  /**
   * Starts a query; responses stream in on the returned object until its deadline.
   * @throws {RangeError} when the query exceeds `querySizeLimit`
   */
  query(name: string, payload: Uint8Array, params: QueryParam = {}): QueryResponse {
    if (this.#core.state === "shutdown") throw new ShutdownError();
    return startQuery(this.#core, name, payload, params);
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

  /** Broadcasts waiting in Serf's intent, event and query queues (as `info` reports them). */
  queueDepths(): { intent: number; event: number; query: number } {
    const s = this.#core;
    return {
      intent: s.intentQueue.numQueued(),
      event: s.eventQueue.numQueued(),
      query: s.queryQueue.numQueued(),
    };
  }

  /** Times Vivaldi reset our coordinate after it went bad; 0 when coordinates are disabled. */
  get coordinateResets(): number {
    return this.#core.coordClient?.stats().resets ?? 0;
  }

  /** Our current network coordinate, or undefined when coordinates are disabled. */
  getCoordinate(): Coordinate | undefined {
    return this.#core.coordClient?.getCoordinate();
  }

  /** The last coordinate we heard from `name`. */
  getCachedCoordinate(name: string): Coordinate | undefined {
    return this.#core.coordCache.get(name);
  }

  /**
   * Marks a failed node as left (force-leave); with `prune`, forgets it at once.
   */
  async forceLeave(node: string, prune = false): Promise<void> {
    const core = this.#core;
    const msg = { type: "leave" as const, lTime: core.memberClock.time(), node, prune };
    core.memberClock.increment();
    handleLeaveIntent(core, msg);
    if (!core.hasAlivePeers()) return;
    await core.broadcastIntentAndWait(encodeSerfMessage(msg), "timed out broadcasting node removal");
  }

  /**
   * Leaves gracefully: a leave intent, then memberlist's leave, then a pause
   * for it to spread. A broadcast that is not confirmed within the broadcast
   * timeout (peers unreachable, a congested queue) is logged as a warning and
   * the leave carries on, as Serf does since 0.9.7: an operator asking to
   * leave wants the node gone, and the others will notice it either way.
   */
  async leave(): Promise<void> {
    const core = this.#core;
    if (core.state === "left") return;
    if (core.state === "leaving") throw new Error("Leave already in progress");
    if (core.state === "shutdown") throw new Error("Leave called after Shutdown");
    core.state = "leaving";
    this.#snapshot?.leave();
    const msg = {
      type: "leave" as const,
      lTime: core.memberClock.time(),
      node: core.config.nodeName,
      prune: false,
    };
    core.memberClock.increment();
    handleLeaveIntent(core, msg);
    if (core.hasAlivePeers()) {
      await core.broadcastIntentAndWait(encodeSerfMessage(msg), "timeout while waiting for graceful leave")
        .catch((err) => core.log.warn(errorMessage(err)));
    }
    await core.memberlist.leave(core.config.broadcastTimeoutMs)
      .catch((err) => core.log.warn(`timeout waiting for leave broadcast: ${errorMessage(err)}`));
    await core.clock.sleep(core.config.leavePropagateDelayMs);
    if (core.state === "leaving") core.state = "left";
  }

  /** Stops everything. Call `leave` first for a graceful exit. Safe to call twice. */
  async shutdown(): Promise<void> {
    await this.#core.shutdown();
    this.#snapshot?.close();
  }

  /** Shuts the node down (see {@linkcode Serf.shutdown}), so `await using` releases it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** Serf's `info` stats (string values, as the RPC returns them). */
  statsMap(): Record<string, string> {
    const s = this.#core;
    const out: Record<string, string> = {
      members: String(s.members.byName.size),
      failed: String(s.members.failed.length),
      left: String(s.members.left.length),
      health_score: String(s.memberlist.healthScore),
      member_time: String(s.memberClock.time()),
      event_time: String(s.eventClock.time()),
      query_time: String(s.queryClock.time()),
      intent_queue: String(s.intentQueue.numQueued()),
      event_queue: String(s.eventQueue.numQueued()),
      query_queue: String(s.queryQueue.numQueued()),
      encrypted: String(this.encryptionEnabled),
    };
    if (s.coordClient) out.coordinate_resets = String(s.coordClient.stats().resets);
    return out;
  }
}
