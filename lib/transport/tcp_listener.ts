/**
 * Plain TCP for things that are not gossip: a listener that hands out accepted
 * connections as {@linkcode Stream}s, and a dialer. Serf's RPC endpoint (and the
 * CLI talking to it) needs only this, not a full UDP+TCP {@linkcode Transport}.
 *
 * Both runtimes are implemented here, each through its native sockets
 * (`Deno.listen`/`Deno.connect`, `Bun.listen`/`Bun.connect`); the runtime is
 * detected per call, so the same code runs under `deno` and `bun`. Connections are
 * the same stream classes the gossip transports use (`deno_stream.ts`, `bun_stream.ts`).
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import { errorMessage, TimeoutError } from "../util/errors.ts";
import { BunStream, type BunTcpApi, socketHandlers } from "./bun_stream.ts";
import { closeQuietly, DenoStream } from "./deno_stream.ts";
import type { ListenOptions, Stream, StreamHandler } from "./transport.ts";

/** A TCP listener; every accepted connection goes to the handler given at listen time. */
export interface StreamListener {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly localAddress: Address;
  /** Stops accepting, closes every connection it accepted, and waits for them to settle. */
  close(): Promise<void>;
}

/**
 * A dial that failed. `code` tells refused connections and timeouts apart so
 * callers can word their own message (the Serf CLI mimics Go's dial errors).
 */
export class DialError extends Error {
  override name = "DialError";
  constructor(message: string, readonly code: "refused" | "timeout" | "other", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Listens for TCP connections on `options.host:options.port`.
 * The handler owns each stream it gets and must close it; the listener closes the
 * ones still open when it is closed itself.
 *
 * @throws {Error} when the address cannot be bound
 * @example
 * ```ts ignore
 * const l = await listenStream({ host: "127.0.0.1", port: 0 }, (s) => s.close());
 * await l.close();
 * ```
 */
export async function listenStream(options: ListenOptions, onStream: StreamHandler): Promise<StreamListener> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  try {
    if (g.Deno !== undefined) return denoListen(options, onStream);
    if (g.Bun !== undefined) return await bunListen(options, onStream);
  } catch (err) {
    throw new Error(`Cannot listen on ${formatAddress(options)}: ${errorMessage(err)}`, { cause: err });
  }
  throw new Error("Cannot listen: no supported runtime found (need Deno or Bun)");
}

/**
 * Opens a TCP connection to `to`, giving up after `timeoutMs`.
 * @throws {DialError} when refused, timed out, or otherwise failed
 */
export async function dialStream(to: Address, timeoutMs: number): Promise<Stream> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return await denoDial(to, timeoutMs);
  if (g.Bun !== undefined) return await bunDial(to, timeoutMs);
  throw new DialError("Cannot dial: no supported runtime found (need Deno or Bun)", "other");
}

function refusedOrOther(to: Address, err: unknown): DialError {
  const code = (err as { code?: string }).code;
  const refused = code === "ECONNREFUSED" || (err as { name?: string }).name === "ConnectionRefused";
  return new DialError(
    `Cannot dial ${formatAddress(to)}: ${errorMessage(err)}`,
    refused ? "refused" : "other",
    {
      cause: err,
    },
  );
}

function timedOut(to: Address, timeoutMs: number): DialError {
  return new DialError(`Cannot dial ${formatAddress(to)}: timed out after ${timeoutMs} ms`, "timeout", {
    cause: new TimeoutError(`dial timeout ${timeoutMs} ms`),
  });
}

// ---------------------------------------------------------------- Deno

function denoListen(options: ListenOptions, onStream: StreamHandler): StreamListener {
  const listener = Deno.listen({ hostname: options.host, port: options.port, transport: "tcp" });
  const addr = listener.addr as Deno.NetAddr;
  const streams = new Set<DenoStream>();
  let closed = false;
  const loop = (async () => {
    while (!closed) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        if (closed) return;
        // Transient accept failures (EMFILE): back off briefly instead of spinning.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const stream = new DenoStream(conn, () => streams.delete(stream));
      streams.add(stream);
      try {
        onStream(stream);
      } catch {
        stream.close();
      }
    }
  })();
  return {
    localAddress: { host: addr.hostname, port: addr.port },
    async close() {
      if (closed) return;
      closed = true;
      closeQuietly(listener);
      const pending: Promise<unknown>[] = [loop];
      for (const s of streams) {
        s.close();
        pending.push(s.settled());
      }
      await Promise.allSettled(pending);
    },
  };
}

async function denoDial(to: Address, timeoutMs: number): Promise<Stream> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const conn = await Deno.connect({
      hostname: to.host,
      port: to.port,
      transport: "tcp",
      signal: abort.signal,
    });
    return new DenoStream(conn, () => {});
  } catch (err) {
    if (abort.signal.aborted) throw timedOut(to, timeoutMs);
    throw refusedOrOther(to, err);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- Bun

function bunNet(): BunTcpApi {
  return (globalThis as unknown as { Bun: BunTcpApi }).Bun;
}

function bunListen(options: ListenOptions, onStream: StreamHandler): Promise<StreamListener> {
  const streams = new Set<BunStream>();
  let closed = false;
  const server = bunNet().listen({
    hostname: options.host,
    port: options.port,
    socket: socketHandlers((socket) => {
      const stream = new BunStream(socket, () => streams.delete(stream));
      socket.data = stream;
      if (closed) return stream.close();
      streams.add(stream);
      try {
        onStream(stream);
      } catch {
        stream.close();
      }
    }),
  });
  return Promise.resolve({
    localAddress: { host: options.host, port: server.port },
    async close() {
      if (closed) return;
      closed = true;
      server.stop(true);
      for (const s of streams) s.close();
      // Let Bun run the close callbacks of the sockets just stopped.
      await new Promise((r) => setTimeout(r, 0));
    },
  });
}

async function bunDial(to: Address, timeoutMs: number): Promise<Stream> {
  let lost = false;
  const connecting = bunNet().connect({
    hostname: to.host,
    port: to.port,
    socket: socketHandlers((socket) => {
      socket.data ??= new BunStream(socket, () => {});
    }),
  }).then((socket) => {
    socket.data ??= new BunStream(socket, () => {});
    // A connection that arrives after the timeout is nobody's: close it.
    if (lost) socket.data.close();
    return socket.data;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(to, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (err) {
    lost = true;
    connecting.catch(() => {});
    if (err instanceof DialError) throw err;
    throw refusedOrOther(to, err);
  } finally {
    clearTimeout(timer);
  }
}
