/**
 * Configuration of the Serf layer, with Serf's defaults and a reason beside
 * each. Durations are milliseconds (`Ms` suffix). The nested memberlist config
 * carries the gossip tunables and collaborators (transport, clock, logger).
 *
 * @module
 */
import { nodeNameError } from "./node_name.ts";
import { defaultLanConfig, type MemberlistConfig } from "../memberlist/config.ts";
import type { Keyring } from "../memberlist/keyring.ts";
import type { Metrics } from "../util/metrics.ts";
import type { SnapshotFs } from "./snapshot.ts";

/** Oldest Serf (delegate) protocol we understand. */
export const SERF_PROTOCOL_VERSION_MIN = 2;
/** Newest Serf protocol we speak. */
export const SERF_PROTOCOL_VERSION_MAX = 5;
/** Hard cap on user event name + payload, as Serf enforces regardless of configuration. */
export const USER_EVENT_SIZE_LIMIT = 9 * 1024;
/** Snapshots are compacted once they exceed this size. */
export const SNAPSHOT_SIZE_LIMIT = 128 * 1024;

/** memberlist protocol spoken for each Serf protocol version. */
export function memberlistProtocolFor(serfProtocol: number): number {
  return serfProtocol >= 2 ? 2 : 1;
}

/**
 * Veto over joins and alive messages (Serf's MergeDelegate). Pass one as
 * `merge` to `Serf.create`; it must return quickly and not throw.
 *
 * @example Keeping a cluster to one datacenter
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Member, SerfMergeDelegate } from "../../mod.ts";
 *
 * const merge: SerfMergeDelegate = {
 *   notifyMerge: (members) =>
 *     members.every((m) => m.tags.dc === "east") ? undefined : "Cannot merge: member outside dc east",
 * };
 * const member = (dc: string) => ({ name: "b", tags: { dc } }) as unknown as Member;
 * assert.equal(merge.notifyMerge([member("east")]), undefined);
 * assert.equal(merge.notifyMerge([member("west")]), "Cannot merge: member outside dc east");
 * ```
 */
export interface SerfMergeDelegate {
  /** Returns an error message to refuse the members, or undefined. */
  notifyMerge(members: import("./types.ts").Member[]): string | undefined;
}

/**
 * Every setting of a Serf node: Serf's own tunables (each with its `@default`)
 * and the nested memberlist configuration. Start from
 * {@linkcode defaultSerfConfig}. `Serf.create` takes these fields as
 * `SerfOptions`: all optional (without a transport it listens on `bindAddr:bindPort`).
 *
 * @example Coalescing member events
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultSerfConfig, type SerfConfig } from "../../mod.ts";
 *
 * const config: SerfConfig = { ...defaultSerfConfig(), coalescePeriodMs: 3_000, quiescentPeriodMs: 1_000 };
 * assert.equal(config.tombstoneTimeoutMs, 24 * 3600_000); // left members are remembered a day
 * assert.equal(config.memberlist.probeIntervalMs, 1_000); // memberlist's LAN profile
 * ```
 */
export interface SerfConfig {
  /** Unique node name; empty takes the host name (at create). @default "" */
  nodeName: string;
  /** Tags advertised in memberlist metadata. @default {} */
  tags: Record<string, string>;
  /** Serf protocol version to speak (2-5). @default 5 */
  protocolVersion: number;
  /** How long to wait for leave/tag broadcasts to go out. @default 5000 */
  broadcastTimeoutMs: number;
  /** Pause after leaving so the leave intent spreads before we stop answering. @default 1000 */
  leavePropagateDelayMs: number;
  /** Member event coalescing; both must be > 0 to enable. @default 0 */
  coalescePeriodMs: number;
  /** Member events are flushed after this long without a new one (with coalescing on). @default 0 */
  quiescentPeriodMs: number;
  /** User event coalescing (only events sent with coalesce=true); both > 0 to enable. @default 0 */
  userCoalescePeriodMs: number;
  /** User events are flushed after this long without a new one (with coalescing on). @default 0 */
  userQuiescentPeriodMs: number;
  /** How often failed and left members are checked for reaping. @default 15000 */
  reapIntervalMs: number;
  /** How often we try to reconnect to a failed member. @default 30000 */
  reconnectIntervalMs: number;
  /** Failed members are reaped after this long. @default 86400000 (24 h) */
  reconnectTimeoutMs: number;
  /** Left members are reaped after this long. @default 86400000 (24 h) */
  tombstoneTimeoutMs: number;
  /** A failed node rejoining within this long is counted as a flap. @default 60000 */
  flapTimeoutMs: number;
  /** How often broadcast queue depths are checked. @default 30000 */
  queueCheckIntervalMs: number;
  /** Warn when a broadcast queue is this deep. @default 128 */
  queueDepthWarning: number;
  /** Prune broadcast queues beyond this depth. @default 4096 */
  maxQueueDepth: number;
  /** If > 0, the prune limit scales as 2 * members with this floor. @default 0 */
  minQueueDepth: number;
  /** Intents for unknown nodes are remembered this long. @default 300000 */
  recentIntentTimeoutMs: number;
  /** User events remembered for deduplication, by LTime slot. @default 512 */
  eventBuffer: number;
  /** Queries remembered for deduplication, by LTime slot. @default 512 */
  queryBuffer: number;
  /** Default query timeout = gossipInterval * this * ceil(log10(n+1)). @default 16 */
  queryTimeoutMult: number;
  /** Largest query response. @default 1024 */
  queryResponseSizeLimit: number;
  /** Largest query. @default 1024 */
  querySizeLimit: number;
  /** Largest user event (name + payload, and encoded); at most 9 KiB. @default 512 */
  userEventSizeLimit: number;
  /** Snapshot file path; empty disables snapshots. @default "" */
  snapshotPath: string;
  /** Rejoin previous members from the snapshot even after a graceful leave. @default false */
  rejoinAfterLeave: boolean;
  /** Resolve name conflicts by majority query, shutting down when in the minority. @default true */
  enableNameConflictResolution: boolean;
  /** Do not compute network coordinates. @default false */
  disableCoordinates: boolean;
  /**
   * Vivaldi gets the least of the last this many round trips measured to a node
   * (see lib/serf/rtt_filter.ts): host delays only add to a round trip, so the
   * minimum is nearest the wire. 1 feeds every sample, as Serf does. @default 5
   */
  rttMinWindow: number;
  /**
   * Refuse a node name outside `[A-Za-z0-9.-]` or longer than 128 bytes at
   * start, and remote members with such names, addresses that are not 4 or 16
   * bytes, or tags over 512 bytes at merge (`validate_node_names`). @default false
   */
  validateNodeNames: boolean;
  /** Keyring file to rewrite on key changes; empty for none. @default "" */
  keyringFile: string;
  /** Events waiting before the oldest user event or query is dropped (membership changes never are). @default 4096 */
  eventQueueCapacity: number;
  /** Veto over joins. @default undefined */
  merge?: SerfMergeDelegate;
  /** File access for snapshots and keyring files. @default node:fs based */
  fs?: SnapshotFs;
  /**
   * Where Serf's metrics (`serf.*`) go; memberlist reports to it too unless
   * `memberlist.metrics` names another. @default NO_METRICS (nothing recorded)
   */
  metrics?: Metrics;
  /** The gossip layer's configuration (transport, clock, logger, keyring live here). */
  memberlist: Partial<MemberlistConfig> & { keyring?: Keyring };
}

/**
 * Serf's defaults (serf.DefaultConfig), with memberlist's LAN profile. Returns a fresh object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultSerfConfig } from "./config.ts";
 *
 * const config = defaultSerfConfig();
 * assert.equal(config.protocolVersion, 5);
 * assert.equal(config.reconnectTimeoutMs, 86_400_000); // keep trying a failed node for a day
 * assert.equal(config.enableNameConflictResolution, true);
 * assert.notEqual(defaultSerfConfig().tags, config.tags); // nothing shared between calls
 * ```
 */
export function defaultSerfConfig(): SerfConfig {
  return {
    nodeName: "",
    tags: {},
    protocolVersion: SERF_PROTOCOL_VERSION_MAX,
    broadcastTimeoutMs: 5_000,
    leavePropagateDelayMs: 1_000,
    coalescePeriodMs: 0,
    quiescentPeriodMs: 0,
    userCoalescePeriodMs: 0,
    userQuiescentPeriodMs: 0,
    reapIntervalMs: 15_000,
    reconnectIntervalMs: 30_000,
    reconnectTimeoutMs: 24 * 3600_000, // keep trying a failed node for a day
    tombstoneTimeoutMs: 24 * 3600_000, // remember left nodes for a day
    flapTimeoutMs: 60_000,
    queueCheckIntervalMs: 30_000,
    queueDepthWarning: 128,
    maxQueueDepth: 4096,
    minQueueDepth: 0,
    recentIntentTimeoutMs: 5 * 60_000,
    eventBuffer: 512,
    queryBuffer: 512,
    queryTimeoutMult: 16,
    queryResponseSizeLimit: 1024,
    querySizeLimit: 1024,
    userEventSizeLimit: 512,
    snapshotPath: "",
    rejoinAfterLeave: false,
    enableNameConflictResolution: true,
    disableCoordinates: false,
    rttMinWindow: 5,
    validateNodeNames: false,
    keyringFile: "",
    eventQueueCapacity: 4096,
    memberlist: defaultLanConfig(),
  };
}

/**
 * Checks a configuration once, at construction.
 * @throws {RangeError} naming the bad field and its value
 */
export function validateSerfConfig(c: SerfConfig): void {
  if (!c.nodeName) throw new RangeError("Cannot create serf: 'nodeName' must be a non-empty string");
  if (c.validateNodeNames) {
    const invalid = nodeNameError(c.nodeName);
    if (invalid) throw new RangeError(invalid);
  }
  if (c.protocolVersion < SERF_PROTOCOL_VERSION_MIN) {
    throw new RangeError(
      `Protocol version '${c.protocolVersion}' too low. Must be in range: [${SERF_PROTOCOL_VERSION_MIN}, ${SERF_PROTOCOL_VERSION_MAX}]`,
    );
  }
  if (c.protocolVersion > SERF_PROTOCOL_VERSION_MAX) {
    throw new RangeError(
      `Protocol version '${c.protocolVersion}' too high. Must be in range: [${SERF_PROTOCOL_VERSION_MIN}, ${SERF_PROTOCOL_VERSION_MAX}]`,
    );
  }
  if (c.userEventSizeLimit > USER_EVENT_SIZE_LIMIT) {
    throw new RangeError(`user event size limit exceeds limit of ${USER_EVENT_SIZE_LIMIT} bytes`);
  }
  for (const key of ["eventBuffer", "queryBuffer", "queryTimeoutMult", "rttMinWindow"] as const) {
    if (!(c[key] > 0)) {
      throw new RangeError(`Cannot create serf: '${key}' must be positive: current value is ${c[key]}`);
    }
  }
}
