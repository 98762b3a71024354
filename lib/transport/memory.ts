/**
 * A simulated network for tests and large simulations, the counterpart of memberlist's
 * `mock_transport.go` with faults added: latency, loss, one-way UDP blocks, partitions
 * and dead hosts. Every delivery (packets, stream chunks, handshakes) is a timer on the
 * injected clock, so on a `VirtualClock` a run with a fixed seed replays exactly.
 *
 * Cost per packet is a map lookup, one timer, and a check per active partition; nothing
 * scans the node list, so thousands of gossiping nodes stay cheap.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage, ShutdownError, TimeoutError } from "../util/errors.ts";
import { type Logger, silentLogger } from "../util/log.ts";
import type { Random } from "../util/random.ts";
import { checkAddress } from "./transport.ts";
import { goDialErrorText, goDialTimeoutText } from "./go_net_error.ts";
import type { ListenOptions, Stream, Transport } from "./transport.ts";
import { MemoryStream, type Pipe } from "./memory_stream.ts";
import { TransportBase } from "./transport_base.ts";

/** First port handed out for `port: 0`, per host; above the well-known range like an OS would. */
const FIRST_EPHEMERAL_PORT = 30000;

/**
 * Options for {@linkcode MemoryNetwork}.
 *
 * @example A network that loses every packet
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type MemoryNetworkOptions, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const options: MemoryNetworkOptions = { clock: new VirtualClock(), rng: new SeededRandom(1), loss: 1 };
 * const network = new MemoryNetwork(options);
 * const a = network.listen({ host: "10.0.0.1", port: 7946 });
 * a.sendPacket(new Uint8Array([1]), { host: "10.0.0.2", port: 7946 });
 * assert.equal(network.counters.packetsDropped, 1);
 * ```
 */
export interface MemoryNetworkOptions {
  /** Drives every delivery; use a `VirtualClock` for deterministic runs. */
  clock: Clock;
  /** Decides random loss; a `SeededRandom` makes loss patterns repeatable. */
  rng: Random;
  /**
   * One-way delay of every packet and stream chunk, in milliseconds.
   * Non-zero so round trips are measurable (Vivaldi needs RTTs).
   * @default 1
   */
  defaultLatencyMs?: number;
  /** Per-send one-way delay, overriding `defaultLatencyMs`. Called per packet: keep it cheap. */
  latency?: (from: Address, to: Address) => number;
  /**
   * Probability in [0, 1] that any packet is lost (streams are reliable and never lose data).
   * @default 0
   */
  loss?: number;
  /** Receives errors thrown by packet and stream handlers. @default silentLogger() */
  logger?: Logger;
}

/**
 * Overrides for one direction of one link (or both, see `bothWays`).
 *
 * @example A slow link
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LinkOptions, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const a = network.listen({ host: "10.0.0.1", port: 7946 });
 * const b = network.listen({ host: "10.0.0.2", port: 7946 });
 * const slow: LinkOptions = { latencyMs: 50 };
 * network.configureLink(a.localAddress, b.localAddress, slow);
 * let got = 0;
 * b.onPacket(() => got++);
 * a.sendPacket(new Uint8Array([1]), b.localAddress);
 * await clock.advance(49);
 * assert.equal(got, 0);
 * await clock.advance(1);
 * assert.equal(got, 1);
 * ```
 */
export interface LinkOptions {
  /** One-way delay in milliseconds for this link. */
  latencyMs?: number;
  /** Packet loss probability for this link, replacing the global rate. */
  loss?: number;
  /** Apply to the reverse direction as well. @default true */
  bothWays?: boolean;
}

/** Traffic statistics of a {@linkcode MemoryNetwork}: packets, and the bytes of packets and stream chunks. */
export interface NetworkCounters {
  /** Packets handed to `sendPacket` by live transports. */
  packetsSent: number;
  /** Bytes of those packets. */
  packetBytesSent: number;
  /** Bytes written to streams (the EOF marker counts nothing). */
  streamBytesSent: number;
  /** Packets that reached a packet handler. */
  packetsDelivered: number;
  /** Packets lost to loss, blocks, partitions, or a missing receiver. */
  packetsDropped: number;
  /** Streams established by `dial`. */
  streamsOpened: number;
  /** Dials answered with "connection refused". */
  streamsRefused: number;
}

/**
 * A transport attached to a {@linkcode MemoryNetwork}.
 *
 * @example A killed host's transport reports itself closed
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type MemoryTransport, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const network = new MemoryNetwork({ clock: new VirtualClock(), rng: new SeededRandom(1) });
 * const transport: MemoryTransport = network.listen({ host: "10.0.0.1", port: 7946 });
 * assert.equal(transport.closed, false);
 * network.kill(transport.localAddress);
 * assert.equal(transport.closed, true);
 * ```
 */
export interface MemoryTransport extends Transport {
  /** True after `close()` or after the network killed this node. */
  readonly closed: boolean;
}

/** The network's internals as handed to its nodes and streams; not part of the public API. */
interface Wire {
  sendPacket(from: Node, buf: Uint8Array, to: Address): void;
  dial(from: Node, to: Address, timeoutMs: number): Promise<Stream>;
  sendChunk(from: MemoryStream, data: Uint8Array | null): void;
  detach(node: Node): void;
  readonly logger: Logger;
}

/**
 * Many nodes on one simulated network. Create transports with `listen`, then inject faults.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "../util/clock.ts";
 * import { SeededRandom } from "../util/random.ts";
 * const clock = new VirtualClock();
 * const net = new MemoryNetwork({ clock, rng: new SeededRandom(1), defaultLatencyMs: 5 });
 * const a = net.listen({ host: "10.0.0.1", port: 7946 });
 * const b = net.listen({ host: "10.0.0.2", port: 7946 });
 * let got = 0;
 * b.onPacket(() => got++);
 * a.sendPacket(new Uint8Array([1]), b.localAddress);
 * await clock.advance(5);
 * if (got !== 1) throw new Error("not delivered");
 * ```
 */
export class MemoryNetwork {
  #clock: Clock;
  #rng: Random;
  #defaultLatencyMs: number;
  #latencyFn: ((from: Address, to: Address) => number) | undefined;
  #loss: number;
  #logger: Logger;
  #nodes = new Map<string, Node>();
  #nextPort = new Map<string, number>();
  #links = new Map<string, { latencyMs?: number; loss?: number }>();
  #udpBlocks = new Set<string>();
  #partitions: { a: Set<string>; b: Set<string> }[] = [];
  #brokenPipes = new Set<{ pipe: Pipe; ends: MemoryStream[] }>();
  #vanished = new Set<string>();
  #counters: NetworkCounters = {
    packetsSent: 0,
    packetBytesSent: 0,
    streamBytesSent: 0,
    packetsDelivered: 0,
    packetsDropped: 0,
    streamsOpened: 0,
    streamsRefused: 0,
  };
  #wire: Wire;

  /**
   * An empty network; attach nodes with {@linkcode MemoryNetwork.listen}.
   * @param options the clock and randomness that drive every delivery, and the default latency and loss.
   */
  constructor(options: MemoryNetworkOptions) {
    this.#clock = options.clock;
    this.#rng = options.rng;
    this.#defaultLatencyMs = options.defaultLatencyMs ?? 1;
    this.#latencyFn = options.latency;
    this.#loss = checkRate(options.loss ?? 0);
    this.#logger = options.logger ?? silentLogger();
    this.#wire = {
      sendPacket: (from, buf, to) => this.#sendPacket(from, buf, to),
      dial: (from, to, timeoutMs) => this.#dial(from, to, timeoutMs),
      sendChunk: (from, data) => this.#sendChunk(from, data),
      detach: (node) => {
        if (this.#nodes.get(node.key) === node) this.#nodes.delete(node.key);
      },
      logger: this.#logger,
    };
  }

  /**
   * Attaches a node at `host:port`; port 0 allocates a free port on that host.
   * @throws {Error} when the address is taken by a live node
   */
  listen(options: ListenOptions): MemoryTransport {
    let port = options.port;
    if (port === 0) {
      port = this.#nextPort.get(options.host) ?? FIRST_EPHEMERAL_PORT;
      while (this.#nodes.has(formatAddress({ host: options.host, port }))) port++;
      this.#nextPort.set(options.host, port + 1);
    }
    const address = { host: options.host, port };
    const key = formatAddress(address);
    if (this.#nodes.has(key)) throw new Error(`Cannot listen on ${key}: address already in use`);
    const node = new Node(address, key, this.#wire);
    this.#nodes.set(key, node);
    this.#vanished.delete(key);
    return node;
  }

  /** Sets latency and/or loss for the link `from → to` (and back, unless `bothWays: false`). */
  configureLink(from: Address, to: Address, options: LinkOptions): void {
    if (options.loss !== undefined) checkRate(options.loss);
    const set = (a: Address, b: Address) => {
      const key = linkKey(formatAddress(a), formatAddress(b));
      const link = { ...this.#links.get(key) };
      if (options.latencyMs !== undefined) link.latencyMs = options.latencyMs;
      if (options.loss !== undefined) link.loss = options.loss;
      this.#links.set(key, link);
    };
    set(from, to);
    if (options.bothWays ?? true) set(to, from);
  }

  /** Sets the global packet loss probability, in [0, 1]. */
  setLoss(rate: number): void {
    this.#loss = checkRate(rate);
  }

  /** Drops every packet `from → to`. Streams are unaffected (one-way UDP trouble, as with a firewall). */
  blockUdp(from: Address, to: Address): void {
    this.#udpBlocks.add(linkKey(formatAddress(from), formatAddress(to)));
  }

  /** Undoes one {@linkcode MemoryNetwork.blockUdp}. */
  unblockUdp(from: Address, to: Address): void {
    this.#udpBlocks.delete(linkKey(formatAddress(from), formatAddress(to)));
  }

  /**
   * Cuts every path between the two groups, both ways: packets are dropped, dials time out,
   * and open streams stall (chunks across the cut are lost, no EOF gets through).
   */
  partition(groupA: Address[], groupB: Address[]): void {
    this.#partitions.push({ a: new Set(groupA.map(formatAddress)), b: new Set(groupB.map(formatAddress)) });
  }

  /**
   * Removes all partitions and UDP blocks. Streams that stalled in a partition are reset
   * (reads reject), since their byte streams have holes a real TCP would never expose.
   */
  heal(): void {
    this.#partitions = [];
    this.#udpBlocks.clear();
    for (const { ends } of this.#brokenPipes) for (const end of ends) end.reset();
    this.#brokenPipes.clear();
  }

  /**
   * Makes the host at `address` vanish without a goodbye: it stops receiving, peers get no
   * EOF on its streams, and dials to it time out instead of being refused.
   * @returns false if nothing was listening there
   */
  kill(address: Address): boolean {
    const node = this.#nodes.get(formatAddress(address));
    if (!node) return false;
    this.#vanished.add(node.key);
    node.shutdown(false);
    return true;
  }

  /** A snapshot of the traffic counters. */
  get counters(): NetworkCounters {
    return { ...this.#counters };
  }

  /** Number of live nodes. */
  get size(): number {
    return this.#nodes.size;
  }

  #sendPacket(from: Node, buf: Uint8Array, to: Address): void {
    const c = this.#counters;
    c.packetsSent++;
    c.packetBytesSent += buf.length;
    const toKey = formatAddress(to);
    const pair = linkKey(from.key, toKey);
    const link = this.#links.size > 0 ? this.#links.get(pair) : undefined;
    const loss = link?.loss ?? this.#loss;
    const lost = loss > 0 && this.#rng.next() < loss;
    if (lost || this.#udpBlocks.has(pair) || this.#partitioned(from.key, toKey)) {
      c.packetsDropped++;
      return;
    }
    const copy = buf.slice();
    const source = from.localAddress;
    this.#clock.setTimer(this.#delay(from.key, source, toKey, to), () => {
      const target = this.#nodes.get(toKey);
      if (target?.receive(copy, { host: source.host, port: source.port }, this.#clock.now())) {
        c.packetsDelivered++;
      } else c.packetsDropped++;
    });
  }

  #dial(from: Node, to: Address, timeoutMs: number): Promise<Stream> {
    const toKey = formatAddress(to);
    return new Promise<Stream>((resolve, reject) => {
      let done = false;
      const finish = (outcome: () => void): boolean => {
        if (done) return false;
        done = true;
        deadline.cancel();
        from.dials.delete(abort);
        outcome();
        return true;
      };
      const abort = () =>
        finish(() => reject(new ShutdownError(`Cannot dial ${toKey}: transport is closed`)));
      const deadline = this.#clock.setTimer(timeoutMs, () => {
        finish(() => reject(new TimeoutError(goDialTimeoutText(to))));
      });
      from.dials.add(abort);
      // A partition or a vanished host loses the SYN: the deadline alone decides, as on a real network.
      if (this.#partitioned(from.key, toKey)) return;
      this.#clock.setTimer(this.#delay(from.key, from.localAddress, toKey, to), () => {
        if (done || this.#partitioned(from.key, toKey)) return;
        const target = this.#nodes.get(toKey);
        if (!target) {
          if (this.#vanished.has(toKey)) return;
          this.#clock.setTimer(this.#delay(toKey, to, from.key, from.localAddress), () => {
            if (finish(() => reject(new Error(goDialErrorText(to, { code: "ECONNREFUSED" }))))) {
              this.#counters.streamsRefused++;
            }
          });
          return;
        }
        const pipe: Pipe = { broken: false };
        const client = new MemoryStream(from, target.localAddress, pipe, this.#wire);
        const server = new MemoryStream(target, from.localAddress, pipe, this.#wire);
        client.peer = server;
        server.peer = client;
        target.accept(server);
        this.#clock.setTimer(this.#delay(toKey, to, from.key, from.localAddress), () => {
          if (finish(() => resolve(client))) {
            this.#counters.streamsOpened++;
            from.streams.add(client);
          } else client.close(); // the dialer gave up: the late connection is closed, the server sees EOF
        });
      });
    });
  }

  #sendChunk(from: MemoryStream, data: Uint8Array | null): void {
    const pipe = from.pipe;
    const to = from.peer;
    if (pipe.broken) return;
    if (data) this.#counters.streamBytesSent += data.length;
    if (this.#partitioned(from.owner.key, to.owner.key)) {
      pipe.broken = true;
      this.#brokenPipes.add({ pipe, ends: [from, to] });
      return;
    }
    // Keep TCP's ordering even when a latency function jitters: never deliver before the previous chunk.
    const now = this.#clock.now();
    const { owner } = from;
    const latency = this.#delay(owner.key, owner.localAddress, to.owner.key, to.owner.localAddress);
    const due = Math.max(now + latency, from.lastDue);
    from.lastDue = due;
    this.#clock.setTimer(due - now, () => {
      if (!pipe.broken) to.receive(data);
    });
  }

  /** One-way delay `from → to`: a configured link wins, then the latency function, then the default. */
  #delay(fromKey: string, from: Address, toKey: string, to: Address): number {
    const link = this.#links.size > 0 ? this.#links.get(linkKey(fromKey, toKey)) : undefined;
    if (link?.latencyMs !== undefined) return link.latencyMs;
    return this.#latencyFn ? this.#latencyFn(from, to) : this.#defaultLatencyMs;
  }

  #partitioned(aKey: string, bKey: string): boolean {
    for (const p of this.#partitions) {
      if ((p.a.has(aKey) && p.b.has(bKey)) || (p.b.has(aKey) && p.a.has(bKey))) return true;
    }
    return false;
  }
}

/** One node's endpoint on the network. */
class Node extends TransportBase implements MemoryTransport {
  readonly streams = new Set<MemoryStream>();
  /** Aborts of dials in progress, run on close. */
  readonly dials = new Set<() => void>();
  #closed = false;

  constructor(readonly localAddress: Address, readonly key: string, private readonly wire: Wire) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  sendPacket(buf: Uint8Array, to: Address): void {
    checkAddress(to);
    if (!this.#closed) this.wire.sendPacket(this, buf, to);
  }

  dial(to: Address, timeoutMs: number): Promise<Stream> {
    if (this.#closed) {
      return Promise.reject(new ShutdownError(`Cannot dial ${formatAddress(to)}: transport is closed`));
    }
    return this.wire.dial(this, to, timeoutMs);
  }

  close(): Promise<void> {
    this.shutdown(true);
    return Promise.resolve();
  }

  /** Detaches the node; `graceful` sends EOF on its streams, otherwise they just stall. */
  shutdown(graceful: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.wire.detach(this);
    for (const abort of [...this.dials]) abort();
    for (const stream of [...this.streams]) {
      if (!graceful) stream.pipe.broken = true;
      stream.close();
    }
  }

  /** @returns true if a handler took the packet */
  receive(buf: Uint8Array, from: Address, receivedAt: number): boolean {
    const handler = this.packetHandler;
    if (this.#closed || !handler) return false;
    try {
      handler({ buf, from, receivedAt });
    } catch (err) {
      this.wire.logger.error(`Packet handler of ${this.key} threw: ${errorMessage(err)}`);
    }
    return true;
  }

  accept(stream: MemoryStream): void {
    this.streams.add(stream);
    const handler = this.streamHandler;
    if (!handler) {
      stream.close();
      return;
    }
    try {
      handler(stream);
    } catch (err) {
      this.wire.logger.error(`Stream handler of ${this.key} threw: ${errorMessage(err)}`);
      stream.close();
    }
  }
}

function linkKey(fromKey: string, toKey: string): string {
  return `${fromKey}>${toKey}`;
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) {
    throw new RangeError(`Cannot use loss rate: must be between 0 and 1: current value is ${rate}`);
  }
  return rate;
}
