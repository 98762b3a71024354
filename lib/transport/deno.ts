/**
 * The {@linkcode Transport} for Deno: one UDP socket (`Deno.listenDatagram`, behind the
 * `net` unstable flag) and one TCP listener on the same address, as memberlist's
 * `NetTransport` does. This is one of the two files allowed to touch `Deno.*`.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { errorMessage, ShutdownError } from "../util/errors.ts";
import { type Logger, RateLimitedLog, silentLogger } from "../util/log.ts";
import { closeQuietly, DenoStream, fromNetAddr } from "./deno_stream.ts";
import { checkAddress } from "./transport.ts";
import { goTransportListenErrorText } from "./go_net_error.ts";
import { PendingDials } from "./pending_dials.ts";
import type { ListenOptions, Stream, Transport } from "./transport.ts";
import { TransportBase } from "./transport_base.ts";

/** Largest UDP payload we can receive; bigger than any IPv4 datagram so nothing is truncated. */
const MAX_DATAGRAM = 65535;
/** Attempts to find a port free for both TCP and UDP when port 0 was asked for. */
const BIND_ATTEMPTS = 10;
/** Pause after an unexpected receive/accept error so a persistent failure cannot spin the CPU. */
const ERROR_BACKOFF_MS = 10;
/** Minimum time between two log lines about the same kind of failure. */
const LOG_INTERVAL_MS = 10_000;

/** Options for {@linkcode DenoTransport.listen}. */
export interface DenoTransportOptions extends ListenOptions {
  /**
   * Where receive, accept and send failures are reported (rate-limited).
   * @default silentLogger()
   */
  logger?: Logger;
  /**
   * Time source for `receivedAt`, dial deadlines and error back-off.
   * @default new RealClock()
   */
  clock?: Clock;
}

/**
 * UDP + TCP on one address using Deno's native sockets. Packets are handed to the
 * packet handler synchronously from the receive loop, so the handler must not block.
 * `close()` releases every socket, aborts pending dials and waits for all loops and
 * in-flight sends, which keeps Deno's test sanitizers quiet.
 *
 * @example
 * ```ts ignore
 * const t = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
 * t.onPacket((p) => console.log(p.buf.length, p.from));
 * t.sendPacket(new Uint8Array([1]), t.localAddress);
 * await t.close();
 * ```
 */
export class DenoTransport extends TransportBase implements Transport {
  #udp: Deno.DatagramConn;
  #tcp: Deno.Listener;
  #logger: Logger;
  #clock: Clock;
  #limited: RateLimitedLog;
  #closed = false;
  #closing: Promise<void> | undefined;
  #loops: Promise<void>[] = [];
  #streams = new Set<DenoStream>();
  #sends = new Set<Promise<void>>();
  #dials: PendingDials;
  readonly localAddress: Address;

  private constructor(udp: Deno.DatagramConn, tcp: Deno.Listener, logger: Logger, clock: Clock) {
    super();
    this.#udp = udp;
    this.#tcp = tcp;
    this.#logger = logger;
    this.#clock = clock;
    this.#dials = new PendingDials(clock);
    this.#limited = new RateLimitedLog(logger, LOG_INTERVAL_MS, () => clock.now());
    this.localAddress = fromNetAddr(tcp.addr);
    this.#loops.push(this.#udpLoop(), this.#tcpLoop());
  }

  /**
   * Binds TCP and UDP on `host:port`. With port 0, TCP picks a free port first and UDP
   * takes the same number, retrying when UDP finds it taken (the two port spaces are separate).
   * @throws {Error} memberlist's `Failed to start TCP listener on "h" port p: listen tcp ...` when the
   * address cannot be bound (cause: the Deno error, e.g. `AddrInUse`)
   */
  static listen(options: DenoTransportOptions): Promise<DenoTransport> {
    const { host, port } = options;
    const attempts = port === 0 ? BIND_ATTEMPTS : 1;
    let lastError: unknown;
    let failed = "";
    for (let i = 0; i < attempts; i++) {
      let tcp: Deno.Listener | undefined;
      try {
        tcp = Deno.listen({ hostname: host, port, transport: "tcp" });
        const bound = (tcp.addr as Deno.NetAddr).port;
        const udp = Deno.listenDatagram({ hostname: host, port: bound, transport: "udp" });
        const transport = new DenoTransport(
          udp,
          tcp,
          options.logger ?? silentLogger(),
          options.clock ?? new RealClock(),
        );
        return Promise.resolve(transport);
      } catch (err) {
        failed = tcp
          ? goTransportListenErrorText("udp", { host, port: (tcp.addr as Deno.NetAddr).port }, err)
          : goTransportListenErrorText("tcp", { host, port }, err);
        tcp?.close();
        lastError = err;
        if (!(err instanceof Deno.errors.AddrInUse)) break;
      }
    }
    // memberlist's wording: the agent prints it after "Failed to create memberlist: ".
    return Promise.reject(new Error(failed, { cause: lastError }));
  }

  sendPacket(buf: Uint8Array, to: Address): void {
    checkAddress(to);
    if (this.#closed) return;
    // Copy: the op reads the bytes later, and the caller may reuse its buffer at once.
    const sent = this.#udp.send(buf.slice(), { transport: "udp", hostname: to.host, port: to.port })
      .then(
        () => {},
        (err) => {
          if (this.#closed) return;
          this.#limited.log(
            "ERR",
            "send",
            `Failed to send packet to ${formatAddress(to)}: ${errorMessage(err)}`,
          );
        },
      );
    this.#sends.add(sent);
    sent.finally(() => this.#sends.delete(sent));
  }

  async dial(to: Address, timeoutMs: number): Promise<Stream> {
    checkAddress(to);
    if (this.#closed) throw new ShutdownError(`Cannot dial ${formatAddress(to)}: transport is closed`);
    // Aborting the connect op (deadline or close) cancels it without a leak.
    return await this.#dials.dial(to, timeoutMs, async (signal) => {
      const conn = await Deno.connect({ hostname: to.host, port: to.port, transport: "tcp", signal });
      return this.#track(conn);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    closeQuietly(this.#udp);
    closeQuietly(this.#tcp);
    const dials = this.#dials.abortAll(new ShutdownError("Cannot dial: transport is closed"));
    const pending: Promise<unknown>[] = [...this.#loops, ...this.#sends, ...dials];
    for (const stream of this.#streams) {
      stream.close();
      pending.push(stream.settled());
    }
    await Promise.allSettled(pending);
  }

  #track(conn: Deno.Conn): DenoStream {
    const stream = new DenoStream(conn, () => this.#streams.delete(stream));
    this.#streams.add(stream);
    return stream;
  }

  async #udpLoop(): Promise<void> {
    // One reused buffer: each datagram is copied out at its exact size, so a 64 KiB
    // allocation per packet is avoided and the handler still owns what it gets.
    const buf = new Uint8Array(MAX_DATAGRAM);
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      let receivedAt: number;
      try {
        [data, from] = await this.#udp.receive(buf);
        // Stamped first, before copying or decoding: probe round trips feed Vivaldi coordinates.
        receivedAt = this.#clock.now();
      } catch (err) {
        if (this.#closed) return;
        this.#limited.log("ERR", "udp", `Error reading UDP packet: ${errorMessage(err)}`);
        await this.#clock.sleep(ERROR_BACKOFF_MS);
        continue;
      }
      const handler = this.packetHandler;
      if (!handler) continue;
      try {
        handler({ buf: data.slice(), from: fromNetAddr(from), receivedAt });
      } catch (err) {
        this.#limited.log("ERR", "handler", `Packet handler threw: ${errorMessage(err)}`);
      }
    }
  }

  async #tcpLoop(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#tcp.accept();
      } catch (err) {
        if (this.#closed) return;
        this.#limited.log("ERR", "accept", `Error accepting TCP connection: ${errorMessage(err)}`);
        await this.#clock.sleep(ERROR_BACKOFF_MS);
        continue;
      }
      if (this.#closed) {
        conn.close();
        return;
      }
      const stream = this.#track(conn);
      const handler = this.streamHandler;
      if (!handler) {
        this.#logger.debug(
          `No stream handler installed: closing connection from ${formatAddress(stream.remote)}`,
        );
        stream.close();
        continue;
      }
      try {
        handler(stream);
      } catch (err) {
        this.#limited.log("ERR", "handler", `Stream handler threw: ${errorMessage(err)}`);
        stream.close();
      }
    }
  }
}
