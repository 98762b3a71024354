/**
 * The {@linkcode Transport} for Bun: `Bun.udpSocket` for packets and `Bun.listen` /
 * `Bun.connect` for streams, on the same address. This is one of the two files allowed
 * to touch `Bun.*`. Bun's types are declared locally (only what is used) so the file
 * also type-checks under `deno check` without `@types/bun`; each TCP connection is a
 * `BunStream` (see `bun_stream.ts`).
 *
 * @module
 */
import { type Address, formatAddress, isIpLiteral } from "../util/addr.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { errorMessage, ShutdownError } from "../util/errors.ts";
import { type Logger, RateLimitedLog, silentLogger } from "../util/log.ts";
import {
  type BunListener,
  type BunSocket,
  type BunSocketHandlers,
  BunStream,
  type BunTcpApi,
  socketHandlers,
} from "./bun_stream.ts";
import { goTransportListenErrorText } from "./go_net_error.ts";
import { PendingDials } from "./pending_dials.ts";
import { checkAddress } from "./transport.ts";
import type { ListenOptions, Stream, Transport } from "./transport.ts";
import { TransportBase } from "./transport_base.ts";

/** Attempts to find a port free for both TCP and UDP when port 0 was asked for. */
const BIND_ATTEMPTS = 10;
/** Minimum time between two log lines about the same kind of failure. */
const LOG_INTERVAL_MS = 10_000;

interface BunUdpSocket {
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}

/** The slice of the `Bun` global this file uses. */
interface BunApi extends BunTcpApi {
  udpSocket(options: {
    hostname: string;
    port: number;
    binaryType: "uint8array";
    socket: {
      data(socket: BunUdpSocket, buf: Uint8Array, port: number, address: string): void;
      error(socket: BunUdpSocket, error: Error | undefined): void;
    };
  }): Promise<BunUdpSocket>;
  dns: { lookup(hostname: string): Promise<{ address: string }[]> };
}

function bun(): BunApi {
  const api = (globalThis as unknown as { Bun?: BunApi }).Bun;
  if (!api) throw new Error("Cannot use BunTransport: the Bun global is missing (not running on Bun)");
  return api;
}

/** Options for {@linkcode BunTransport.listen}. */
export interface BunTransportOptions extends ListenOptions {
  /**
   * Where receive, accept and send failures are reported (rate-limited).
   * @default silentLogger()
   */
  logger?: Logger;
  /**
   * Time source for `receivedAt` and dial deadlines.
   * @default new RealClock()
   */
  clock?: Clock;
}

/**
 * UDP + TCP on one address using Bun's native sockets; same behaviour as `DenoTransport`.
 * The packet handler runs inside Bun's receive callback, so it must not block.
 *
 * @example
 * ```ts ignore
 * const t = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
 * t.onPacket((p) => console.log(p.buf.length, p.from));
 * await t.close();
 * ```
 */
export class BunTransport extends TransportBase implements Transport {
  #udp!: BunUdpSocket;
  #tcp!: BunListener;
  #logger: Logger;
  #clock: Clock;
  #limited: RateLimitedLog;
  #closed = false;
  #closing: Promise<void> | undefined;
  #streams = new Set<BunStream>();
  #dials: PendingDials;
  #dialHandlers: BunSocketHandlers;
  readonly localAddress: Address;

  private constructor(host: string, port: number, logger: Logger, clock: Clock) {
    super();
    this.#logger = logger;
    this.#clock = clock;
    this.#dials = new PendingDials(clock);
    this.#limited = new RateLimitedLog(logger, LOG_INTERVAL_MS, () => clock.now());
    this.#dialHandlers = socketHandlers((s) => this.#wrap(s));
    this.localAddress = { host, port };
  }

  /**
   * Binds TCP and UDP on `host:port`. With port 0, TCP picks a free port first and UDP
   * takes the same number, retrying when UDP finds it taken.
   * @throws {Error} memberlist's `Failed to start TCP listener on "h" port p: listen tcp ...` when the
   * address cannot be bound (cause: Bun's error, code `EADDRINUSE`)
   */
  static async listen(options: BunTransportOptions): Promise<BunTransport> {
    const { host, port } = options;
    const api = bun();
    const attempts = port === 0 ? BIND_ATTEMPTS : 1;
    let lastError: unknown;
    let failed = "";
    for (let i = 0; i < attempts; i++) {
      // The handlers need the transport, which needs the port: bind through a forwarding box.
      let self: BunTransport | undefined;
      let tcp: BunListener | undefined;
      try {
        const onOpen = (s: BunSocket) => self ? self.#accept(s) : s.terminate();
        tcp = api.listen({ hostname: host, port, socket: socketHandlers(onOpen) });
        const udp = await api.udpSocket({
          hostname: host,
          port: tcp.port,
          binaryType: "uint8array",
          socket: {
            data: (_sock, buf, fromPort, fromHost) =>
              self && self.#receive(buf, { host: fromHost, port: fromPort }),
            error: (_sock, err) => self && self.#udpError(err),
          },
        });
        self = new BunTransport(
          host,
          tcp.port,
          options.logger ?? silentLogger(),
          options.clock ?? new RealClock(),
        );
        self.#tcp = tcp;
        self.#udp = udp;
        return self;
      } catch (err) {
        failed = tcp
          ? goTransportListenErrorText("udp", { host, port: tcp.port }, err)
          : goTransportListenErrorText("tcp", { host, port }, err);
        tcp?.stop(true);
        lastError = err;
        if ((err as { code?: string }).code !== "EADDRINUSE") break;
      }
    }
    // memberlist's wording: the agent prints it after "Failed to create memberlist: ".
    throw new Error(failed, { cause: lastError });
  }

  sendPacket(buf: Uint8Array, to: Address): void {
    checkAddress(to);
    if (this.#closed) return;
    if (isIpLiteral(to.host)) {
      this.#sendTo(buf, to.port, to.host);
      return;
    }
    // Bun's UDP send takes only IP literals; names are resolved first (rare: memberlist sends to IPs).
    const copy = buf.slice();
    bun().dns.lookup(to.host).then(
      (found) => {
        const ip = found[0]?.address;
        if (ip) this.#sendTo(copy, to.port, ip);
        else this.#limited.log("ERR", "send", `Failed to send packet: no address for ${to.host}`);
      },
      (err) => this.#limited.log("ERR", "send", `Failed to resolve ${to.host}: ${errorMessage(err)}`),
    );
  }

  async dial(to: Address, timeoutMs: number): Promise<Stream> {
    checkAddress(to);
    if (this.#closed) throw new ShutdownError(`Cannot dial ${formatAddress(to)}: transport is closed`);
    // Bun.connect cannot be cancelled: PendingDials closes a socket that arrives after the deadline.
    return await this.#dials.dial(to, timeoutMs, async () => {
      const socket = await bun().connect({ hostname: to.host, port: to.port, socket: this.#dialHandlers });
      const stream = socket.data ?? this.#wrap(socket);
      if (this.#closed) stream.close();
      return stream;
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Closes sockets and streams; pending dials reject at once (their late sockets are closed on arrival). */
  async #shutdown(): Promise<void> {
    this.#closed = true;
    try {
      this.#udp.close();
    } catch {
      // already closed
    }
    this.#tcp.stop(true);
    this.#dials.abortAll(new ShutdownError("Cannot dial: transport is closed"));
    for (const stream of this.#streams) stream.close();
    // Let Bun run the close callbacks of the sockets just stopped before the caller continues.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  #wrap(socket: BunSocket): BunStream {
    const stream = new BunStream(socket, () => this.#streams.delete(stream));
    socket.data = stream;
    this.#streams.add(stream);
    return stream;
  }

  #accept(socket: BunSocket): void {
    const stream = this.#wrap(socket);
    const handler = this.streamHandler;
    if (this.#closed || !handler) {
      this.#logger.debug(
        `No stream handler installed: closing connection from ${formatAddress(stream.remote)}`,
      );
      stream.close();
      return;
    }
    try {
      handler(stream);
    } catch (err) {
      this.#limited.log("ERR", "handler", `Stream handler threw: ${errorMessage(err)}`);
      stream.close();
    }
  }

  #receive(buf: Uint8Array, from: Address): void {
    // Stamped first, before any decoding: probe round trips feed Vivaldi coordinates.
    const receivedAt = this.#clock.now();
    const handler = this.packetHandler;
    if (this.#closed || !handler) return;
    try {
      handler({ buf, from, receivedAt });
    } catch (err) {
      this.#limited.log("ERR", "handler", `Packet handler threw: ${errorMessage(err)}`);
    }
  }

  #udpError(err: Error | undefined): void {
    // Bun reports ICMP errors (e.g. port unreachable after a send) here, sometimes without an error object.
    if (this.#closed) return;
    this.#limited.log("DEBUG", "udp", `UDP socket error: ${err ? errorMessage(err) : "unknown"}`);
  }

  #sendTo(buf: Uint8Array, port: number, ip: string): void {
    try {
      if (!this.#udp.send(buf, port, ip)) {
        this.#limited.log("WARN", "send", `Dropped packet to ${ip}:${port}: socket send buffer is full`);
      }
    } catch (err) {
      if (this.#closed) return;
      this.#limited.log("ERR", "send", `Failed to send packet to ${ip}:${port}: ${errorMessage(err)}`);
    }
  }
}
