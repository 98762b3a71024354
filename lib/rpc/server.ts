/**
 * The agent's RPC endpoint (`serf agent -rpc-addr`): accepts TCP clients such
 * as the `serf`/`serfts` CLI, checks the handshake and optional auth token, and
 * serves Serf's commands against an {@linkcode RpcAgent}.
 *
 * A misbehaving client (random bytes, truncated or oversized frames, unknown
 * commands) gets Serf's error reply where Serf sends one and is then
 * disconnected; other clients and the agent carry on.
 *
 * @module
 */
import { type Metrics, NO_METRICS } from "../util/metrics.ts";
import { listenStream } from "../transport/detect.ts";
import { goListenErrorText } from "../transport/go_net_error.ts";
import type { StreamListener } from "../transport/tcp_listener.ts";
import type { Stream } from "../transport/transport.ts";
import { type Address, parseAddress } from "../util/addr.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { DecodeError, errorMessage } from "../util/errors.ts";
import { type Logger, silentLogger } from "../util/log.ts";
import type { RpcAgent } from "./agent_api.ts";
import { RpcConnection, type ServerContext } from "./connection.ts";
import { dispatchRequest } from "./handlers.ts";
import { MemberRecordCache } from "./member_record.ts";
import { decodeRequestHeader, type RpcCommand } from "./protocol.ts";

/** Settings for {@linkcode RpcServer}. */
export interface RpcServerOptions {
  /** The agent the commands act on. */
  agent: RpcAgent;
  /**
   * Token clients must send with `auth` before any other command (`-rpc-auth`).
   * @default {""} (no authentication)
   */
  authKey?: string;
  /**
   * Where the server logs (accepted clients, protocol errors); give it the agent's
   * logger so lines read `agent.ipc: ...` as in Serf.
   * @default silentLogger()
   */
  logger?: Logger;
  /**
   * The clock query deadlines are measured on; must be the one Serf uses.
   * @default new RealClock()
   */
  clock?: Clock;
  /**
   * Largest request header or body accepted from a client, in bytes; a bigger one ends that client.
   * @default {1048576} (1 MiB, far above Serf's payload limits)
   */
  maxRequestBytes?: number;
  /** Where client and command counts go (`agent.ipc.accept`, `agent.ipc.command`). @default NO_METRICS */
  metrics?: Metrics;
}

const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Commands answered without waiting on the network or a timer: their responses
 * may be held and written together (see `RpcConnection.hold`). Slower commands
 * release first, so records streamed meanwhile are not held behind them.
 */
const QUICK_COMMANDS: ReadonlySet<string> = new Set<RpcCommand>([
  "handshake",
  "auth",
  "event",
  "members",
  "members-filtered",
  "stats",
  "get-coordinate",
]);

/**
 * Serves Serf's RPC protocol to any number of clients.
 *
 * @example
 * ```ts ignore
 * const server = await RpcServer.listen({ host: "127.0.0.1", port: 7373 }, { agent, logger });
 * // ... later, on agent shutdown:
 * await server.close();
 * ```
 */
export class RpcServer {
  readonly #ctx: ServerContext;
  readonly #metrics: Metrics;
  readonly #connections = new Set<RpcConnection>();
  readonly #loops = new Set<Promise<void>>();
  #listener: StreamListener | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: RpcServerOptions) {
    const logger = options.logger ?? silentLogger();
    this.#metrics = options.metrics ?? NO_METRICS;
    this.#ctx = {
      agent: options.agent,
      authKey: options.authKey ?? "",
      logger: logger.child("agent.ipc"),
      clock: options.clock ?? new RealClock(),
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      memberRecords: new MemberRecordCache(),
    };
  }

  /**
   * Creates a server listening on `address` (port 0 picks a free one; see
   * {@linkcode RpcServer.address}).
   * @throws {Error} when the address cannot be bound, e.g. "Cannot listen on 127.0.0.1:7373: Address in use"
   */
  static async listen(address: Address, options: RpcServerOptions): Promise<RpcServer> {
    const server = new RpcServer(options);
    server.#listener = await listenStream(address, (stream) => server.serve(stream));
    return server;
  }

  /** The bound address, when created with {@linkcode RpcServer.listen}. */
  get address(): Address | undefined {
    return this.#listener?.localAddress;
  }

  /** Clients currently connected. */
  get clientCount(): number {
    return this.#connections.size;
  }

  /**
   * Serves one already-connected client (for listeners other than TCP, such as
   * in-memory streams in tests). The server owns and eventually closes `stream`.
   */
  serve(stream: Stream): void {
    if (this.#closed) {
      stream.close();
      return;
    }
    this.#metrics.incrCounter(["agent", "ipc", "accept"]);
    const conn = new RpcConnection(stream, this.#ctx);
    this.#connections.add(conn);
    this.#ctx.logger.info(`Accepted client: ${conn.name}`);
    const loop = this.#clientLoop(conn).finally(() => {
      this.#connections.delete(conn);
      this.#loops.delete(loop);
    });
    this.#loops.add(loop);
  }

  async #clientLoop(conn: RpcConnection): Promise<void> {
    try {
      while (!conn.closed) {
        let header;
        try {
          let raw = conn.tryReadObject();
          if (raw === undefined) {
            conn.release(); // every request read so far is answered: write the answers
            raw = await conn.readObject();
          }
          if (raw === null) break;
          header = decodeRequestHeader(raw);
        } catch (err) {
          if (!conn.closed) this.#ctx.logger.error(`failed to decode request header: ${describe(err)}`);
          break;
        }
        this.#metrics.incrCounter(["agent", "ipc", "command"]);
        if (QUICK_COMMANDS.has(header.command)) conn.hold();
        else conn.release();
        let outcome = dispatchRequest(conn, header.command, header.seq);
        if (typeof outcome !== "string") outcome = await outcome;
        if (outcome === "close") break;
      }
    } catch (err) {
      if (!conn.closed) this.#ctx.logger.error(`Failed to evaluate request: ${describe(err)}`);
    } finally {
      conn.release();
      await conn.written; // the last answers (an error before disconnecting) go out first
      conn.close();
      await conn.drain();
    }
  }

  /** Stops listening, disconnects every client and waits for their tasks to end. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    const listener = this.#listener?.close();
    for (const conn of this.#connections) conn.close();
    await Promise.allSettled([listener, ...this.#loops]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function describe(err: unknown): string {
  return err instanceof DecodeError ? err.message : errorMessage(err);
}

/**
 * Starts an {@linkcode RpcServer} the way `serfts agent` does (its `RpcServerFactory`):
 * listens on `addr` (`host:port`, Serf's `rpc_addr`) and serves `agent`.
 *
 * @throws {Error} worded like Go's `net.Listen`, e.g.
 * "listen tcp 127.0.0.1:7373: bind: address already in use", which the agent prints after
 * "Error starting RPC listener: "
 * @example
 * ```ts ignore
 * const rpc = await startRpcServer(agent, { addr: "127.0.0.1:7373", authKey: "", logger });
 * await rpc.close();
 * ```
 */
export async function startRpcServer(
  agent: RpcAgent,
  options: { addr: string; authKey: string; logger: Logger; clock?: Clock; metrics?: Metrics },
): Promise<RpcServer> {
  let address: Address;
  try {
    address = parseAddress(options.addr);
  } catch (err) {
    throw new Error(`listen tcp: address ${options.addr}: missing port in address`, { cause: err });
  }
  try {
    return await RpcServer.listen(address, {
      agent,
      authKey: options.authKey,
      logger: options.logger,
      clock: options.clock,
      metrics: options.metrics,
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new Error(goListenErrorText("tcp", address, cause), { cause: err });
  }
}
