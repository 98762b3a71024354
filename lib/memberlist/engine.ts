/**
 * The internal view of a running memberlist node that the protocol modules
 * (state machine, probing, packets, streams) share. `Memberlist` implements it;
 * nothing outside lib/memberlist should depend on it.
 *
 * @module
 */
import type { Doorbell } from "../util/async.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger, RateLimitedLog } from "../util/log.ts";
import type { Random } from "../util/random.ts";
import type { Address, Transport } from "../transport/transport.ts";
import type { AckHandlers } from "./ack_handlers.ts";
import type { Awareness } from "./awareness.ts";
import type { TransmitLimitedQueue } from "./broadcast_queue.ts";
import type { MemberlistConfig } from "./config.ts";
import type { NodeRecord } from "./node.ts";
import type { NodeTable } from "./node_table.ts";
import type { Suspicion } from "./suspicion.ts";

/** Counters surfaced by `info`/stats; never reset while running. */
export interface EngineStats {
  packetsReceived: number;
  packetsSent: number;
  /** Packets or streams dropped because they could not be parsed, decrypted or verified. */
  droppedBadInput: number;
  /** Probes answered only by the TCP fallback (UDP likely blocked to that node). */
  tcpFallbackSuccesses: number;
  pushPulls: number;
  /** Inbound push/pulls being served now (bounded). */
  pushPullsInFlight: number;
}

/** Config after defaults were applied and collaborators resolved. */
export type ResolvedConfig = MemberlistConfig & { transport: Transport };

export interface Engine {
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly rng: Random;
  readonly log: Logger;
  /** Rate-limited log for bad input, keyed by sender. */
  readonly badInput: RateLimitedLog;
  readonly transport: Transport;
  readonly nodes: NodeTable;
  readonly awareness: Awareness;
  readonly broadcasts: TransmitLimitedQueue;
  /** Rung when a broadcast is queued or a node added: wakes a parked gossip loop. */
  readonly gossipBell: Doorbell;
  /** Rung when a node is added: wakes a probe loop parked while we were alone. */
  readonly probeBell: Doorbell;
  readonly acks: AckHandlers;
  /** Active suspicion timers by node name. */
  readonly suspicions: Map<string, Suspicion>;
  readonly stats: EngineStats;
  /** Fires once our own leave (dead-from-self) broadcast has been sent enough times. */
  onLeaveBroadcastDone: (() => void) | undefined;

  /** A timer on the engine clock that shutdown cancels. */
  schedule(ms: number, fn: () => void): void;
  nextSeqNo(): number;
  nextIncarnation(): number;
  /** Jumps our incarnation forward by `offset` and returns the new value. */
  skipIncarnation(offset: number): number;
  hasLeft(): boolean;
  hasShutdown(): boolean;
  /** Our advertised IP bytes and port. */
  advertise(): { addr: Uint8Array; port: number };
  /** Queues a memberlist broadcast about `node`, superseding older ones about the same node. */
  queueBroadcast(node: string, msg: Uint8Array, notify?: () => void): void;
  /**
   * Sends `msg` to `to`, piggybacking queued broadcasts when room remains.
   * @returns the clock reading taken right before the datagram went to the transport
   */
  sendMsg(to: Address, msg: Uint8Array, node?: NodeRecord): number;
  /**
   * Sends `msg` as is (after compression, CRC, encryption and label).
   * @returns the clock reading taken right before the datagram went to the transport
   */
  sendRawPacket(to: Address, msg: Uint8Array, node?: NodeRecord): number;
  /** Records and logs (rate-limited) a dropped packet or stream from `from`. */
  dropBadInput(from: string, reason: string): void;
  /** Calls a delegate hook, logging instead of propagating a throw. */
  safeCall<T>(what: string, fn: () => T): T | undefined;
}
