/**
 * serfts: HashiCorp Serf's gossip membership, rebuilt in TypeScript for Deno
 * and Bun, wire-compatible with real Serf agents.
 *
 * Two layers are exported. {@linkcode Serf} is what most programs want:
 * membership with graceful leave vs failure, tags, user events, queries, key
 * rotation, snapshots and Vivaldi network coordinates. {@linkcode Memberlist}
 * is the gossip engine underneath: SWIM with Lifeguard, TCP fallback probes,
 * push/pull, compression, CRC and AES-GCM keyrings. Both run on real UDP/TCP
 * sockets under Deno or Bun, or on an in-memory network on virtual time.
 *
 * @example Embedding a Serf node
 * ```ts ignore
 * import { defaultLanConfig, listenTransport, Serf } from "./mod.ts";
 *
 * const transport = await listenTransport({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({
 *   nodeName: "web-1",
 *   tags: { role: "web" },
 *   memberlist: { ...defaultLanConfig(), bindAddr: "127.0.0.1", bindPort: 7946, transport },
 * });
 * await serf.join(["127.0.0.1:7947"]);
 * for await (const event of serf.events) {
 *   if (event.type === "query" && event.name === "uptime") event.respond(new TextEncoder().encode("42s"));
 *   else console.log(event.type);
 * }
 * ```
 *
 * @example Two nodes on an in-memory network, on virtual time
 * ```ts
 * import { defaultLocalConfig, Memberlist, MemoryNetwork, SeededRandom, VirtualClock } from "./mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const start = (name: string, port: number) =>
 *   Memberlist.create({
 *     ...defaultLocalConfig(),
 *     name,
 *     bindAddr: "127.0.0.1",
 *     bindPort: port,
 *     transport: network.listen({ host: "127.0.0.1", port }),
 *     clock,
 *   });
 * const a = start("a", 7946);
 * const b = start("b", 7947);
 * const joined = b.join(["127.0.0.1:7946"]);
 * await clock.advance(1_000);
 * await joined;
 * console.log(a.members().map((n) => n.name)); // ["a", "b"] in some order
 * await Promise.all([a.shutdown(), b.shutdown()]);
 * ```
 *
 * @module
 */

export { Serf, type SerfOptions } from "./lib/serf/serf.ts";
export { defaultSerfConfig, type SerfConfig, type SerfMergeDelegate } from "./lib/serf/config.ts";
export type {
  Member,
  MemberEvent,
  MemberEventType,
  MemberStatus,
  QueryEvent,
  SerfEvent,
  SerfState,
  UserEvent,
} from "./lib/serf/types.ts";
export { type NodeResponse, type QueryParam, QueryResponse } from "./lib/serf/query_response.ts";
export type { KeyOperation, KeyResponse } from "./lib/serf/key_manager.ts";
export { loadKeyringFile, saveKeyringFile } from "./lib/serf/keyring_file.ts";
export { CoordinateClient } from "./lib/coordinate/client.ts";
export { type Coordinate, distanceTo } from "./lib/coordinate/coordinate.ts";
export { type CoordinateConfig, DEFAULT_COORDINATE_CONFIG } from "./lib/coordinate/config.ts";
export { Memberlist, type MemberlistOptions } from "./lib/memberlist/memberlist.ts";
export {
  defaultLanConfig,
  defaultLocalConfig,
  defaultWanConfig,
  type MemberlistConfig,
  META_MAX_SIZE,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
} from "./lib/memberlist/config.ts";
export type {
  AliveDelegate,
  ConflictDelegate,
  Delegate,
  EventDelegate,
  MergeDelegate,
  PingDelegate,
} from "./lib/memberlist/delegate.ts";
export { type Node, NodeState, type NodeStateCode, stateName } from "./lib/memberlist/node.ts";
export { encodeKeyBase64, Keyring, parseKeyBase64 } from "./lib/memberlist/keyring.ts";
export type { Address, ListenOptions, Packet, Stream, Transport } from "./lib/transport/transport.ts";
export { listenTransport, type TransportOptions } from "./lib/transport/detect.ts";
export {
  type LinkOptions,
  MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryTransport,
} from "./lib/transport/memory.ts";
export { type Clock, RealClock, type Timer, VirtualClock } from "./lib/util/clock.ts";
export { AsyncQueue } from "./lib/util/async.ts";
export { type Random, SeededRandom, systemRandom } from "./lib/util/random.ts";
export { Logger, type LogLevel, type LogSink, silentLogger } from "./lib/util/log.ts";
export {
  FanoutSink,
  type MetricLabel,
  Metrics,
  type MetricsOptions,
  type MetricsSink,
  NO_METRICS,
} from "./lib/util/metrics.ts";
export { DecodeError, SecurityError, ShutdownError, TimeoutError } from "./lib/util/errors.ts";
