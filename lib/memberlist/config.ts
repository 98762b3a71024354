/**
 * Configuration of the gossip engine, with memberlist's three tuned profiles.
 * Durations are milliseconds (`Ms` suffix). Each profile is a function returning
 * a fresh object so callers can change it freely.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import type { Metrics } from "../util/metrics.ts";
import type { Logger } from "../util/log.ts";
import type { Random } from "../util/random.ts";
import type { Transport } from "../transport/transport.ts";
import type {
  AliveDelegate,
  ConflictDelegate,
  Delegate,
  EventDelegate,
  MergeDelegate,
  PingDelegate,
} from "./delegate.ts";
import type { Keyring } from "./keyring.ts";

/**
 * Oldest memberlist protocol version we understand.
 *
 * @example A node cannot speak a version below it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, PROTOCOL_VERSION_MIN, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const config = { name: "a", transport, clock, protocolVersion: PROTOCOL_VERSION_MIN - 1 };
 * assert.throws(() => Memberlist.create(config), RangeError);
 * ```
 */
export const PROTOCOL_VERSION_MIN = 1;
/** Version spoken by default: 2 keeps old peers happy; peers with max >= 3 get TCP pings, >= 4 nacks, >= 5 CRCs. */
export const PROTOCOL_VERSION_2_COMPATIBLE = 2;
/**
 * Newest memberlist protocol version we understand.
 *
 * @example A node cannot speak a version above it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, PROTOCOL_VERSION_MAX, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const config = { name: "a", transport, clock, protocolVersion: PROTOCOL_VERSION_MAX + 1 };
 * assert.throws(() => Memberlist.create(config), /'protocolVersion' must be 1-5/);
 * ```
 */
export const PROTOCOL_VERSION_MAX = 5;
/**
 * Largest node metadata accepted, as memberlist enforces. It is the `limit` the
 * engine passes to {@linkcode Delegate.nodeMeta}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, META_MAX_SIZE, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * let limit = 0;
 * const delegate = {
 *   nodeMeta(l: number) {
 *     limit = l;
 *     return new Uint8Array();
 *   },
 *   notifyMsg: () => {},
 *   getBroadcasts: () => [],
 *   localState: () => new Uint8Array(),
 *   mergeRemoteState: () => {},
 * };
 * const node = Memberlist.create({ name: "a", bindAddr: "127.0.0.1", transport, clock, delegate });
 * assert.equal(limit, META_MAX_SIZE);
 * await node.shutdown();
 * ```
 */
export const META_MAX_SIZE = 512;

/**
 * Tunables and collaborators of one memberlist node.
 *
 * @example A LAN profile with one setting changed
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLanConfig, type MemberlistConfig } from "../../mod.ts";
 *
 * const config: MemberlistConfig = { ...defaultLanConfig(), name: "a", suspicionMult: 6 };
 * assert.equal(config.suspicionMult, 6);
 * assert.equal(config.probeIntervalMs, 1_000); // the LAN default
 * assert.equal(config.transport, undefined); // required by Memberlist.create
 * ```
 */
export interface MemberlistConfig {
  /** Unique node name in the cluster; empty takes the host name (at create). @default "" */
  name: string;
  /**
   * Address `Serf.create` binds UDP and TCP to when given no `transport`
   * (`Memberlist.create` always takes a transport). @default "0.0.0.0"
   */
  bindAddr: string;
  /** Port `Serf.create` binds when given no `transport`; 0 picks a free one. @default 7946 */
  bindPort: number;
  /** Address advertised to peers; empty means the bound address. @default "" */
  advertiseAddr: string;
  /** Port advertised to peers; 0 means the bound port. @default 0 */
  advertisePort: number;
  /** memberlist protocol version to speak. @default 2 */
  protocolVersion: number;
  /** Delegate (Serf) protocol range advertised in `Vsn`. @default 0 */
  delegateProtocolVersion: number;
  /** Oldest delegate (Serf) protocol understood, advertised in `Vsn`. @default 0 */
  delegateProtocolMin: number;
  /** Newest delegate (Serf) protocol understood, advertised in `Vsn`. @default 0 */
  delegateProtocolMax: number;
  /** Deadline for TCP work: dials, push/pull, stream reads. @default 10000 */
  tcpTimeoutMs: number;
  /** Peers asked to probe a node that missed a direct ack (SWIM indirect probes). @default 3 */
  indirectChecks: number;
  /** Retransmit a broadcast `retransmitMult * ceil(log10(n+1))` times. @default 4 */
  retransmitMult: number;
  /** Suspicion lasts `suspicionMult * max(1, log10(n)) * probeInterval` at least. @default 4 */
  suspicionMult: number;
  /** Lifeguard: the suspicion timeout starts at this multiple of the minimum. @default 6 */
  suspicionMaxTimeoutMult: number;
  /** Full state sync period (scaled up for clusters over 32 nodes); 0 disables. @default 30000 */
  pushPullIntervalMs: number;
  /** Time between probes. @default 1000 */
  probeIntervalMs: number;
  /** Time to wait for a direct ack before asking others. @default 500 */
  probeTimeoutMs: number;
  /** Do not try the TCP fallback probe. @default false */
  disableTcpPings: boolean;
  /**
   * Send nothing over UDP, for networks that forbid it (memberlist#226):
   * probes are TCP pings, the layer above's broadcasts and user messages go
   * as memberlist `userMsg` streams, and our own state changes travel by
   * push/pull. Only messages a stock memberlist accepts on a stream are sent,
   * so peers in the default mode need no change. See tcp_only.ts.
   * @default false
   */
  tcpOnly: boolean;
  /** Lifeguard: probe timeouts are scaled by up to this factor when we are unhealthy. @default 8 */
  awarenessMaxMultiplier: number;
  /** Peers gossiped to per gossip tick. @default 3 */
  gossipNodes: number;
  /** Time between gossip ticks; 0 disables. @default 200 */
  gossipIntervalMs: number;
  /** Keep gossiping to a dead node this long so it can learn it was declared dead and refute. @default 30000 */
  gossipToTheDeadTimeMs: number;
  /** Reject unencrypted incoming traffic when a keyring is set. @default true */
  gossipVerifyIncoming: boolean;
  /** Encrypt outgoing traffic when a keyring is set. @default true */
  gossipVerifyOutgoing: boolean;
  /** LZW-compress packets and streams when it helps. @default true */
  enableCompression: boolean;
  /** Keys for AES-GCM; undefined means no encryption. @default undefined */
  keyring?: Keyring;
  /** Most UDP payload bytes we put in one packet (piggybacking stops there). @default 1400 */
  udpBufferSize: number;
  /** After this long, a dead node's name may be claimed by a new address; 0 never. @default 0 */
  deadNodeReclaimTimeMs: number;
  /** memberlist 0.5 packet/stream label; only peers with the same label talk to us. @default "" */
  label: string;
  /** Accept unlabeled traffic even when `label` is set (for rolling it out). @default false */
  skipInboundLabelCheck: boolean;

  /** Network endpoint; required (create one with `listenTransport` or a `MemoryNetwork`). */
  transport?: Transport;
  /** Time source. @default RealClock */
  clock?: Clock;
  /** Random source for target selection. @default systemRandom */
  rng?: Random;
  /** Log sink. @default Logger at INFO to stderr */
  logger?: Logger;
  /** Where memberlist's metrics (`memberlist.*`) go. @default NO_METRICS (nothing recorded) */
  metrics?: Metrics;
  /** Metadata, user messages and push/pull state of the layer above. @default undefined */
  delegate?: Delegate;
  /** Told of joins, leaves and updates. @default undefined */
  events?: EventDelegate;
  /** Rides on probe acks (RTTs and payloads). @default undefined */
  ping?: PingDelegate;
  /** Veto over merging remote state on join. @default undefined */
  merge?: MergeDelegate;
  /** Told of name conflicts. @default undefined */
  conflict?: ConflictDelegate;
  /** Veto over admitting nodes. @default undefined */
  alive?: AliveDelegate;
}

/**
 * LAN profile: favours fast convergence over bandwidth (memberlist's DefaultLANConfig).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLanConfig } from "./config.ts";
 *
 * const config = defaultLanConfig();
 * assert.equal(config.probeIntervalMs, 1_000); // one failure check a second
 * assert.equal(config.probeTimeoutMs, 500); // a reasonable LAN round trip
 * assert.notEqual(defaultLanConfig(), config); // a fresh object each call
 * ```
 */
export function defaultLanConfig(): MemberlistConfig {
  return {
    name: "",
    bindAddr: "0.0.0.0",
    bindPort: 7946,
    advertiseAddr: "",
    advertisePort: 0,
    protocolVersion: PROTOCOL_VERSION_2_COMPATIBLE,
    delegateProtocolVersion: 0,
    delegateProtocolMin: 0,
    delegateProtocolMax: 0,
    tcpTimeoutMs: 10_000, // generous for push/pull of large clusters
    indirectChecks: 3, // three independent witnesses before suspecting
    retransmitMult: 4, // each broadcast goes out 4 * log(N+1) times
    suspicionMult: 4, // suspect for 4 * log(N+1) probe intervals
    suspicionMaxTimeoutMult: 6, // about 2 minutes max for 10k nodes
    pushPullIntervalMs: 30_000, // anti-entropy is expensive; keep it rare
    probeIntervalMs: 1_000, // one failure check a second
    probeTimeoutMs: 500, // a reasonable LAN round trip
    disableTcpPings: false, // safe with mixed versions
    tcpOnly: false, // UDP is the protocol's normal path; TCP-only is for networks that drop it
    awarenessMaxMultiplier: 8, // an unhealthy node backs off to 8 s probes
    gossipNodes: 3,
    gossipIntervalMs: 200, // gossip fast, in small packets
    gossipToTheDeadTimeMs: 30_000, // same as push/pull
    gossipVerifyIncoming: true,
    gossipVerifyOutgoing: true,
    enableCompression: true,
    udpBufferSize: 1400, // fits an Ethernet MTU with room for headers
    deadNodeReclaimTimeMs: 0,
    label: "",
    skipInboundLabelCheck: false,
  };
}

/**
 * WAN profile: higher latency tolerance, less chatter (memberlist's DefaultWANConfig).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultWanConfig } from "./config.ts";
 *
 * const config = defaultWanConfig();
 * assert.equal(config.probeTimeoutMs, 3_000);
 * assert.equal(config.probeIntervalMs, 5_000);
 * assert.equal(config.gossipNodes, 4);
 * ```
 */
export function defaultWanConfig(): MemberlistConfig {
  return {
    ...defaultLanConfig(),
    tcpTimeoutMs: 30_000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    probeTimeoutMs: 3_000,
    probeIntervalMs: 5_000,
    gossipNodes: 4, // gossip less often but to one more node
    gossipIntervalMs: 500,
    gossipToTheDeadTimeMs: 60_000,
  };
}

/**
 * Loopback profile: short timeouts for nodes on one host (memberlist's DefaultLocalConfig).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLocalConfig } from "./config.ts";
 *
 * const config = defaultLocalConfig();
 * assert.equal(config.probeTimeoutMs, 200);
 * assert.equal(config.tcpTimeoutMs, 1_000);
 * assert.equal(config.indirectChecks, 1);
 * ```
 */
export function defaultLocalConfig(): MemberlistConfig {
  return {
    ...defaultLanConfig(),
    tcpTimeoutMs: 1_000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    probeTimeoutMs: 200,
    probeIntervalMs: 1_000,
    gossipIntervalMs: 100,
    gossipToTheDeadTimeMs: 15_000,
  };
}

/**
 * Checks a configuration once, at construction.
 * @throws {RangeError} naming the first bad field and its value
 */
export function validateConfig(c: MemberlistConfig): void {
  if (!c.name) throw new RangeError("Cannot create memberlist: 'name' must be a non-empty string");
  if (c.protocolVersion < PROTOCOL_VERSION_MIN || c.protocolVersion > PROTOCOL_VERSION_MAX) {
    throw new RangeError(
      `Cannot create memberlist: 'protocolVersion' must be ${PROTOCOL_VERSION_MIN}-${PROTOCOL_VERSION_MAX}: current value is ${c.protocolVersion}`,
    );
  }
  const positive: (keyof MemberlistConfig)[] = [
    "probeIntervalMs",
    "probeTimeoutMs",
    "tcpTimeoutMs",
    "udpBufferSize",
  ];
  for (const key of positive) {
    const v = c[key];
    if (typeof v !== "number" || !(v > 0)) {
      throw new RangeError(
        `Cannot create memberlist: '${key}' must be a positive number: current value is ${v}`,
      );
    }
  }
  if (new TextEncoder().encode(c.label).length > 255) {
    throw new RangeError("Cannot create memberlist: 'label' must be at most 255 bytes");
  }
  if (!c.transport) throw new TypeError("Cannot create memberlist: a 'transport' is required");
}
