/**
 * The engine of a memberlist node: the state the protocol modules (state
 * machine, probing, inbound and outbound packets, streams, loops) share, and
 * the plumbing they call. The public {@linkcode Memberlist} class is a thin
 * face over one engine; nothing outside lib/memberlist (tests aside) should
 * depend on it.
 *
 * @module
 */
import { Doorbell } from "../util/async.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { raceTimer } from "../util/deadline.ts";
import { TaskScope } from "../util/task_scope.ts";
import { errorMessage, isProgrammingError, ShutdownError, TimeoutError } from "../util/errors.ts";
import { Logger, RateLimitedLog } from "../util/log.ts";
import { type Metrics, NO_METRICS } from "../util/metrics.ts";
import { type Random, systemRandom } from "../util/random.ts";
import { ipToBytes } from "../util/addr.ts";
import type { Transport } from "../transport/transport.ts";
import { AckHandlers } from "./ack_handlers.ts";
import { Awareness } from "./awareness.ts";
import { TransmitLimitedQueue } from "./broadcast_queue.ts";
import {
  type MemberlistConfig,
  META_MAX_SIZE,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
} from "./config.ts";
import type { AliveMessage } from "./messages.ts";
import { isDeadOrLeft } from "./node.ts";
import { nodeBroadcastName } from "./node_broadcast.ts";
import { NodeTable } from "./node_table.ts";
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
  /** Inbound push/pulls refused because too many were being served already. */
  pushPullsRejected: number;
  /** User messages a TCP-only node dropped because its outbound stream bound was reached. */
  userMessagesDropped: number;
  /** Bytes written to and read from gossip datagrams (encryption and labels included). */
  udpBytesSent: number;
  udpBytesReceived: number;
  /** Bytes written to and read from gossip streams (push/pull, TCP probes, user messages). */
  tcpBytesSent: number;
  tcpBytesReceived: number;
}

/** Config after defaults were applied and collaborators resolved. */
export type ResolvedConfig = MemberlistConfig & { transport: Transport };

/** One node's protocol state and plumbing; see the module doc. */
export class Engine {
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly rng: Random;
  readonly log: Logger;
  /** memberlist's metrics (`memberlist.*`); disabled unless the config names one. */
  readonly metrics: Metrics;
  /** Rate-limited log for bad input, keyed by sender. */
  readonly badInput: RateLimitedLog;
  readonly transport: Transport;
  readonly nodes: NodeTable;
  readonly awareness: Awareness;
  readonly broadcasts: TransmitLimitedQueue;
  /** Rung when a broadcast is queued or a node added: wakes a parked gossip loop. */
  readonly gossipBell: Doorbell = new Doorbell();
  /** Rung when a node is added: wakes a probe loop parked while we were alone. */
  readonly probeBell: Doorbell = new Doorbell();
  readonly acks: AckHandlers;
  /** Active suspicion timers by node name. */
  readonly suspicions: Map<string, Suspicion> = new Map();
  readonly stats: EngineStats = {
    packetsReceived: 0,
    packetsSent: 0,
    droppedBadInput: 0,
    tcpFallbackSuccesses: 0,
    pushPulls: 0,
    pushPullsInFlight: 0,
    pushPullsRejected: 0,
    userMessagesDropped: 0,
    udpBytesSent: 0,
    udpBytesReceived: 0,
    tcpBytesSent: 0,
    tcpBytesReceived: 0,
  };
  /** Outbound streams TCP-only mode has open (bounded there): user messages, and its one gossip push/pull. */
  readonly outboundStreams: { user: number; pushPull: boolean } = { user: 0, pushPull: false };
  /** Fires once our own leave (dead-from-self) broadcast has been sent enough times. */
  onLeaveBroadcastDone: (() => void) | undefined;
  /** Aborts when the node shuts down; loops and waits listen to it. */
  readonly stopSignal: AbortSignal;

  #seqNo = 0;
  #incarnation = 0;
  #left = false;
  #shutdown = false;
  readonly #scope: TaskScope;
  #advertise: { addr: Uint8Array; port: number };

  /** @throws {RangeError} when the advertised address is unusable */
  constructor(config: ResolvedConfig) {
    this.config = config;
    this.transport = config.transport;
    this.clock = config.clock ?? new RealClock();
    this.rng = config.rng ?? systemRandom;
    this.log = (config.logger ?? new Logger()).child("memberlist");
    this.badInput = new RateLimitedLog(this.log, 10_000, () => this.clock.now());
    this.nodes = new NodeTable(this.rng, () => {
      this.gossipBell.ring();
      this.probeBell.ring();
    });
    this.metrics = config.metrics ?? NO_METRICS;
    this.awareness = new Awareness(config.awarenessMaxMultiplier, this.metrics);
    this.broadcasts = new TransmitLimitedQueue({
      // Every node in the table, as memberlist estimates the cluster size.
      numNodes: () => this.nodes.size,
      retransmitMult: config.retransmitMult,
    });
    this.acks = new AckHandlers(this.clock);
    this.#scope = new TaskScope(
      this.clock,
      (err) => this.log.error(`Background task failed: ${errorMessage(err)}`),
    );
    this.stopSignal = this.#scope.signal;
    this.#advertise = resolveAdvertise(config);
  }

  /** A timer on the engine clock that shutdown cancels. */
  schedule(ms: number, fn: () => void): void {
    this.#scope.schedule(ms, fn);
  }

  /** Keeps `task` (a loop or a stream being served) for shutdown to await; a failure is logged, never thrown. */
  track(task: Promise<unknown>): void {
    this.#scope.track(task);
  }

  nextSeqNo(): number {
    this.#seqNo = (this.#seqNo + 1) >>> 0;
    return this.#seqNo;
  }

  nextIncarnation(): number {
    this.#incarnation = (this.#incarnation + 1) >>> 0;
    return this.#incarnation;
  }

  /** Jumps our incarnation forward by `offset` and returns the new value. */
  skipIncarnation(offset: number): number {
    this.#incarnation = (this.#incarnation + offset) >>> 0;
    return this.#incarnation;
  }

  hasLeft(): boolean {
    return this.#left;
  }

  /** Marks the node as leaving; false when it already was. */
  markLeft(): boolean {
    if (this.#left) return false;
    this.#left = true;
    return true;
  }

  hasShutdown(): boolean {
    return this.#shutdown;
  }

  /** Our advertised IP bytes and port. */
  advertise(): { addr: Uint8Array; port: number } {
    return this.#advertise;
  }

  /** Queues a memberlist broadcast about `node`, superseding older ones about the same node. */
  queueBroadcast(node: string, msg: Uint8Array, notify?: () => void): void {
    this.broadcasts.queueNamed(nodeBroadcastName(node), msg, notify);
    this.gossipBell.ring();
  }

  /** Records and logs (rate-limited) a dropped packet or stream from `from`. */
  dropBadInput(from: string, reason: string): void {
    this.stats.droppedBadInput++;
    this.badInput.log("WARN", from, `${reason} from=${from}`);
  }

  /**
   * Drops input whose handling threw: bad input is logged as {@linkcode dropBadInput}
   * does, a programming error (a bug, whatever the input) always as an error.
   */
  dropFailedInput(from: string, what: string, err: unknown): void {
    if (isProgrammingError(err)) {
      this.stats.droppedBadInput++;
      const e = err as Error;
      this.log.error(`Bug: ${e.name} while handling ${what}: ${e.message} from=${from}`);
      return;
    }
    this.dropBadInput(from, `Failed to handle ${what}: ${errorMessage(err)}`);
  }

  /** Calls a delegate hook, logging instead of propagating a throw. */
  safeCall<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.log.error(`${what} threw: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /**
   * Our alive message at `incarnation`, with fresh metadata from the delegate.
   * @throws {RangeError} when the delegate's metadata exceeds {@linkcode META_MAX_SIZE}
   */
  selfAlive(incarnation: number): AliveMessage {
    const c = this.config;
    const meta = c.delegate ? c.delegate.nodeMeta(META_MAX_SIZE) : new Uint8Array();
    if (meta.length > META_MAX_SIZE) {
      throw new RangeError(
        `Cannot advertise node metadata: limit is ${META_MAX_SIZE} bytes: current size is ${meta.length}`,
      );
    }
    const { addr, port } = this.#advertise;
    return {
      type: "alive",
      incarnation,
      node: c.name,
      addr,
      port,
      meta,
      vsn: [
        PROTOCOL_VERSION_MIN,
        PROTOCOL_VERSION_MAX,
        c.protocolVersion,
        c.delegateProtocolMin,
        c.delegateProtocolMax,
        c.delegateProtocolVersion,
      ],
    };
  }

  /** True when some other node is alive or suspect: only then is a broadcast worth waiting for. */
  anyPeerAlive(): boolean {
    return this.nodes.all().some((n) => n.name !== this.config.name && !isDeadOrLeft(n));
  }

  /** Waits for `p`, or rejects with a TimeoutError carrying `message` after `timeoutMs` (0: no limit). */
  async waitOrTimeout(p: Promise<void>, timeoutMs: number, message: string): Promise<void> {
    if (timeoutMs <= 0) return await p;
    await raceTimer(this.clock, timeoutMs, p, () => {
      throw new TimeoutError(message);
    });
  }

  /** Stops every loop and timer, closes the transport and waits for what was tracked. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.#scope.stop(new ShutdownError());
    for (const s of this.suspicions.values()) s.cancel();
    this.suspicions.clear();
    this.acks.clear();
    await this.transport.close();
    await this.#scope.settled();
  }
}

function resolveAdvertise(c: ResolvedConfig): { addr: Uint8Array; port: number } {
  const bound = c.transport.localAddress;
  const host = c.advertiseAddr || bound.host;
  if (host === "0.0.0.0" || host === "::") {
    throw new RangeError(
      `Cannot advertise the unspecified address ${host}: set 'advertiseAddr' to this node's reachable IP`,
    );
  }
  return { addr: ipToBytes(host), port: c.advertisePort || bound.port };
}
