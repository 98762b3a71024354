/**
 * A memberlist node: cluster membership and failure detection over gossip,
 * wire-compatible with hashicorp/memberlist. Create one with
 * {@linkcode Memberlist.create}, join peers, read `members()`, and leave or
 * shut down when done.
 *
 * @module
 */
import { bytesToIp, formatAddress, ipToBytes, isIpLiteral, parseAddress } from "../util/addr.ts";
import type { Address } from "../util/addr.ts";
import { Doorbell } from "../util/async.ts";
import { type Clock, RealClock, type Timer } from "../util/clock.ts";
import { errorMessage, ShutdownError, TimeoutError } from "../util/errors.ts";
import { Logger, RateLimitedLog } from "../util/log.ts";
import { type Random, systemRandom } from "../util/random.ts";
import type { Transport } from "../transport/transport.ts";
import { AckHandlers } from "./ack_handlers.ts";
import { Awareness } from "./awareness.ts";
import { TransmitLimitedQueue } from "./broadcast_queue.ts";
import {
  defaultLanConfig,
  type MemberlistConfig,
  META_MAX_SIZE,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
  validateConfig,
} from "./config.ts";
import type { Engine, EngineStats, ResolvedConfig } from "./engine.ts";
import { MessageType } from "./messages.ts";
import { isDeadOrLeft, type Node, nodeAddress, type NodeRecord, snapshotNode } from "./node.ts";
import { NodeTable } from "./node_table.ts";
import { encryptionEnabled, ingestPacket, sendMsg, sendRawPacket } from "./packet.ts";
import { handleIndirectPing, handlePing } from "./probe.ts";
import { startLoops } from "./loops.ts";
import { aliveNode, deadNode, suspectNode } from "./state_machine.ts";
import { handleStream, pushPullNode, sendUserStream } from "./stream.ts";
import type { Suspicion } from "./suspicion.ts";
import { decodeBody } from "./wire.ts";

/** Options for {@linkcode Memberlist.create}: any config field, plus the required transport. */
export type MemberlistOptions = Partial<MemberlistConfig> & { transport: Transport };

/** Largest user message sent over UDP (a datagram's payload less our framing). */
const MAX_PACKET_USER_MSG = 65_000;

/** One member of a gossip cluster. */
export class Memberlist implements Engine {
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly rng: Random;
  readonly log: Logger;
  readonly badInput: RateLimitedLog;
  readonly transport: Transport;
  readonly nodes: NodeTable;
  readonly awareness: Awareness;
  readonly broadcasts: TransmitLimitedQueue;
  readonly acks: AckHandlers;
  readonly suspicions: Map<string, Suspicion> = new Map();
  readonly stats: EngineStats = {
    packetsReceived: 0,
    packetsSent: 0,
    droppedBadInput: 0,
    tcpFallbackSuccesses: 0,
    pushPulls: 0,
    pushPullsInFlight: 0,
  };
  onLeaveBroadcastDone: (() => void) | undefined;

  #seqNo = 0;
  #incarnation = 0;
  #left = false;
  #shutdown = false;
  #stop = new AbortController();
  #loops: Promise<void>[] = [];
  #timers = new Set<Timer>();
  #streams = new Set<Promise<void>>();
  #advertise: { addr: Uint8Array; port: number };
  readonly gossipBell: Doorbell = new Doorbell();
  readonly probeBell: Doorbell = new Doorbell();

  private constructor(config: ResolvedConfig) {
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
    this.awareness = new Awareness(config.awarenessMaxMultiplier);
    this.broadcasts = new TransmitLimitedQueue({
      numNodes: () => this.nodes.countAlive(),
      retransmitMult: config.retransmitMult,
    });
    this.acks = new AckHandlers(this.clock);
    this.#advertise = resolveAdvertise(config);
  }

  /**
   * Starts a node: marks itself alive, begins listening, probing and gossiping.
   * @throws {RangeError | TypeError} when the configuration is invalid
   */
  static create(options: MemberlistOptions): Memberlist {
    const config = { ...defaultLanConfig(), ...options } as ResolvedConfig;
    validateConfig(config);
    const m = new Memberlist(config);
    m.transport.onPacket((p) => {
      if (!m.#shutdown) ingestPacket(m, p, m);
    });
    m.transport.onStream((s) => {
      if (m.#shutdown) {
        s.close();
        return;
      }
      const done = handleStream(m, s).finally(() => m.#streams.delete(done));
      m.#streams.add(done);
    });
    m.#setAlive();
    m.#startLoops();
    return m;
  }

  // ---- Engine plumbing -------------------------------------------------

  schedule(ms: number, fn: () => void): void {
    const timer = this.clock.setTimer(ms, () => {
      this.#timers.delete(timer);
      fn();
    });
    this.#timers.add(timer);
  }
  nextSeqNo(): number {
    this.#seqNo = (this.#seqNo + 1) >>> 0;
    return this.#seqNo;
  }
  nextIncarnation(): number {
    this.#incarnation = (this.#incarnation + 1) >>> 0;
    return this.#incarnation;
  }
  skipIncarnation(offset: number): number {
    this.#incarnation = (this.#incarnation + offset) >>> 0;
    return this.#incarnation;
  }
  hasLeft(): boolean {
    return this.#left;
  }
  hasShutdown(): boolean {
    return this.#shutdown;
  }
  advertise(): { addr: Uint8Array; port: number } {
    return this.#advertise;
  }
  queueBroadcast(node: string, msg: Uint8Array, notify?: () => void): void {
    this.broadcasts.queueBroadcast({
      name: `memberlist:${node}`,
      message: () => msg,
      invalidates: () => false,
      finished: () => notify?.(),
    });
    this.gossipBell.ring();
  }
  sendMsg(to: Address, msg: Uint8Array, node?: NodeRecord): number {
    return sendMsg(this, to, msg, node);
  }
  sendRawPacket(to: Address, msg: Uint8Array, node?: NodeRecord): number {
    return sendRawPacket(this, to, msg, node);
  }
  dropBadInput(from: string, reason: string): void {
    this.stats.droppedBadInput++;
    this.badInput.log("WARN", from, `${reason} from=${from}`);
  }
  safeCall<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.log.error(`${what} threw: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** Packet dispatch for messages after unwrapping (see packet.ts). */
  handle(type: number, body: Uint8Array, from: Address, receivedAt: number): void {
    switch (type) {
      case MessageType.ping:
      case MessageType.indirectPing:
      case MessageType.ackResp:
      case MessageType.nackResp:
      case MessageType.suspect:
      case MessageType.alive:
      case MessageType.dead: {
        const msg = decodeBody(type, body);
        switch (msg.type) {
          case "ping":
            return handlePing(this, msg, from);
          case "indirectPing":
            return handleIndirectPing(this, msg, from);
          case "ackResp":
            return this.acks.invokeAck(msg.seqNo, msg.payload, receivedAt);
          case "nackResp":
            return this.acks.invokeNack(msg.seqNo);
          case "suspect":
            return suspectNode(this, msg);
          case "alive":
            if (msg.port === 0) msg.port = this.config.bindPort;
            return aliveNode(this, msg, false);
          case "dead":
            return deadNode(this, msg);
        }
        return;
      }
      case MessageType.user: {
        const copy = body.slice();
        this.safeCall("delegate notifyMsg", () => this.config.delegate?.notifyMsg(copy));
        return;
      }
      default:
        this.dropBadInput(formatAddress(from), `msg type (${type}) not supported`);
    }
  }

  // ---- Lifecycle ---------------------------------------------------------

  #buildVsn(): number[] {
    const c = this.config;
    return [
      PROTOCOL_VERSION_MIN,
      PROTOCOL_VERSION_MAX,
      c.protocolVersion,
      c.delegateProtocolMin,
      c.delegateProtocolMax,
      c.delegateProtocolVersion,
    ];
  }

  #localMeta(): Uint8Array {
    const d = this.config.delegate;
    const meta = d ? d.nodeMeta(META_MAX_SIZE) : new Uint8Array();
    if (meta.length > META_MAX_SIZE) {
      throw new RangeError(
        `Cannot advertise node metadata: limit is ${META_MAX_SIZE} bytes: current size is ${meta.length}`,
      );
    }
    return meta;
  }

  #setAlive(): void {
    const { addr, port } = this.#advertise;
    aliveNode(this, {
      type: "alive",
      incarnation: this.nextIncarnation(),
      node: this.config.name,
      addr,
      port,
      meta: this.#localMeta(),
      vsn: this.#buildVsn(),
    }, true);
  }

  #startLoops(): void {
    this.#loops.push(...startLoops(this, this.#stop.signal));
  }

  // ---- Public API --------------------------------------------------------

  /** This node's name. */
  get name(): string {
    return this.config.name;
  }

  /**
   * Joins a cluster through any of `existing` (`host:port`, `host` for the
   * default port, `[v6]:port`) by exchanging full state with each.
   * @returns how many peers were contacted successfully
   * @throws {Error} when none could be contacted, listing every failure
   */
  async join(existing: string[]): Promise<number> {
    if (this.#shutdown) throw new ShutdownError();
    let ok = 0;
    const errors: string[] = [];
    for (const text of existing) {
      let addr: Address;
      try {
        addr = parseAddress(text, this.config.bindPort);
        if (addr.host === "localhost") addr = { ...addr, host: "127.0.0.1" };
        if (!isIpLiteral(addr.host)) throw new TypeError(`not an IP address: ${addr.host}`);
      } catch (err) {
        errors.push(`Failed to resolve ${text}: ${errorMessage(err)}`);
        continue;
      }
      try {
        await pushPullNode(this, addr, true);
        ok++;
      } catch (err) {
        const msg = `Failed to join ${addr.host}: ${errorMessage(err)}`;
        errors.push(msg);
        this.log.debug(msg);
      }
    }
    if (ok === 0 && existing.length > 0) {
      throw new Error(`Cannot join cluster: ${errors.join("; ")}`);
    }
    return ok;
  }

  /** Members that are alive or suspect (not dead or left), including ourselves. */
  members(): Node[] {
    return this.nodes.all().filter((n) => !isDeadOrLeft(n)).map(snapshotNode);
  }

  /** Every node we know of, in any state, with its incarnation. */
  allNodes(): (Node & { incarnation: number })[] {
    return this.nodes.all().map((n) => ({ ...snapshotNode(n), incarnation: n.incarnation }));
  }

  /**
   * Tells the gossip loop that the delegate queued a broadcast. Needed only by
   * a delegate that implements `Delegate.pendingBroadcasts`.
   */
  wakeGossip(): void {
    this.gossipBell.ring();
  }

  numMembers(): number {
    return this.nodes.countAlive();
  }

  localNode(): Node {
    return snapshotNode(this.nodes.get(this.config.name)!);
  }

  /** Lifeguard health score: 0 is healthy, higher means our own probes are struggling. */
  get healthScore(): number {
    return this.awareness.healthScore;
  }

  /** memberlist protocol version spoken. */
  get protocolVersion(): number {
    return this.config.protocolVersion;
  }

  /** True when encryption is configured. */
  get encryptionEnabled(): boolean {
    return encryptionEnabled(this);
  }

  /**
   * Re-reads metadata from the delegate and broadcasts it with a new
   * incarnation, waiting up to `timeoutMs` for the broadcast to go out.
   */
  async updateNode(timeoutMs: number): Promise<void> {
    if (this.#shutdown) throw new ShutdownError();
    const me = this.nodes.get(this.config.name)!;
    let notified!: () => void;
    const sent = new Promise<void>((r) => (notified = r));
    aliveNode(
      this,
      {
        type: "alive",
        incarnation: this.nextIncarnation(),
        node: this.config.name,
        addr: me.addr,
        port: me.port,
        meta: this.#localMeta(),
        vsn: this.#buildVsn(),
      },
      true,
      () => notified(),
    );
    if (this.#anyAlive()) await this.#waitOrTimeout(sent, timeoutMs, "timeout waiting for update broadcast");
  }

  /** Sends a user message over UDP, best effort. */
  sendBestEffort(to: Node, msg: Uint8Array): void {
    if (this.#shutdown) throw new ShutdownError();
    if (msg.length > MAX_PACKET_USER_MSG) {
      throw new RangeError(
        `Cannot send user message over UDP: limit is ${MAX_PACKET_USER_MSG} bytes: current size is ${msg.length}`,
      );
    }
    const framed = new Uint8Array(msg.length + 1);
    framed[0] = MessageType.user;
    framed.set(msg, 1);
    sendRawPacket(this, nodeAddress(to), framed, this.nodes.get(to.name));
  }

  /** Sends a user message over TCP. */
  async sendReliable(to: Node, msg: Uint8Array): Promise<void> {
    if (this.#shutdown) throw new ShutdownError();
    await sendUserStream(this, nodeAddress(to), msg);
  }

  /** Sends a raw user message to an address over UDP (used by Serf for query responses). */
  sendToAddress(to: Address, msg: Uint8Array): void {
    if (this.#shutdown) throw new ShutdownError();
    const framed = new Uint8Array(msg.length + 1);
    framed[0] = MessageType.user;
    framed.set(msg, 1);
    sendRawPacket(this, to, framed);
  }

  #anyAlive(): boolean {
    return this.nodes.all().some((n) => n.name !== this.config.name && !isDeadOrLeft(n));
  }

  async #waitOrTimeout(p: Promise<void>, timeoutMs: number, message: string): Promise<void> {
    if (timeoutMs <= 0) return await p;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimer(timeoutMs, () => reject(new TimeoutError(message)));
    });
    try {
      await Promise.race([p, timeout]);
    } finally {
      timer?.cancel();
    }
  }

  /**
   * Leaves gracefully: broadcasts our own death (a "left" claim) and waits up to
   * `timeoutMs` for it to be sent. Keeps running until `shutdown`.
   */
  async leave(timeoutMs: number): Promise<void> {
    if (this.#shutdown) throw new ShutdownError("Cannot leave: node is already shut down");
    if (this.#left) return;
    this.#left = true;
    const me = this.nodes.get(this.config.name);
    if (!me) return;
    const done = new Promise<void>((r) => (this.onLeaveBroadcastDone = r));
    deadNode(this, { type: "dead", incarnation: me.incarnation, node: me.name, from: me.name });
    if (this.#anyAlive()) await this.#waitOrTimeout(done, timeoutMs, "timeout waiting for leave broadcast");
  }

  /** Stops every loop and closes the transport. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.#stop.abort(new ShutdownError());
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    for (const s of this.suspicions.values()) s.cancel();
    this.suspicions.clear();
    this.acks.clear();
    await this.transport.close();
    await Promise.allSettled([...this.#loops, ...this.#streams]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** Where this node says it can be reached. */
  get advertiseAddress(): Address {
    return { host: bytesToIp(this.#advertise.addr), port: this.#advertise.port };
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
