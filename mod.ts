/**
 * serfts: HashiCorp Serf's gossip membership, rebuilt in TypeScript for Deno
 * and Bun, wire-compatible with real Serf agents.
 *
 * This release exports the gossip layer: a memberlist-compatible SWIM engine
 * with Lifeguard, TCP fallback probes, push/pull anti-entropy, compression,
 * CRC and AES-GCM keyrings, plus the transports it runs on (real UDP/TCP
 * sockets under Deno or Bun, and an in-memory network on virtual time for
 * tests and simulation).
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
export { type Random, SeededRandom, systemRandom } from "./lib/util/random.ts";
export { Logger, type LogLevel, type LogSink, silentLogger } from "./lib/util/log.ts";
export { DecodeError, SecurityError, ShutdownError, TimeoutError } from "./lib/util/errors.ts";
