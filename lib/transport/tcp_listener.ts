/**
 * Plain TCP for things that are not gossip: a listener that hands out accepted
 * connections as {@linkcode Stream}s, and a dialer. Serf's RPC endpoint (and the
 * CLI talking to it) needs only this, not a full UDP+TCP {@linkcode Transport}.
 *
 * Both runtimes are implemented here, each through its native sockets
 * (`Deno.listen`/`Deno.connect`, `Bun.listen`/`Bun.connect`); the runtime is
 * detected per call, so the same code runs under `deno` and `bun`.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import { errorMessage, TimeoutError } from "../util/errors.ts";
import type { ListenOptions, Stream, StreamHandler } from "./transport.ts";

/** Bytes per read on Deno; a chunk handed to the reader never exceeds it. */
const READ_BUFFER = 64 * 1024;
/** Unread bytes queued on Bun above which the socket is paused. */
const READ_HIGH_WATER = 1024 * 1024;

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
  const streams = new Set<DenoConnStream>();
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
      const stream = new DenoConnStream(conn, () => streams.delete(stream));
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
      try {
        listener.close();
      } catch {
        // already closed
      }
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
    return new DenoConnStream(conn, () => {});
  } catch (err) {
    if (abort.signal.aborted) throw timedOut(to, timeoutMs);
    throw refusedOrOther(to, err);
  } finally {
    clearTimeout(timer);
  }
}

/** A `Deno.Conn` as a {@linkcode Stream}; close turns pending reads into EOF. */
class DenoConnStream implements Stream {
  #conn: Deno.Conn;
  #onClose: () => void;
  #closed = false;
  #buf = new Uint8Array(READ_BUFFER);
  #inflight = new Set<Promise<unknown>>();
  readonly remote: Address;

  constructor(conn: Deno.Conn, onClose: () => void) {
    this.#conn = conn;
    this.#onClose = onClose;
    const r = conn.remoteAddr as Deno.NetAddr;
    const host = r.hostname.startsWith("::ffff:") && r.hostname.includes(".")
      ? r.hostname.slice(7)
      : r.hostname;
    this.remote = { host, port: r.port };
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    try {
      const n = await this.#op(this.#conn.read(this.#buf));
      return n === null ? null : this.#buf.slice(0, n);
    } catch (err) {
      if (this.#closed) return null;
      throw err;
    }
  }

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      if (this.#closed) throw new Error(`Cannot write to ${formatAddress(this.remote)}: stream is closed`);
      offset += await this.#op(this.#conn.write(data.subarray(offset)));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
    this.#onClose();
  }

  settled(): Promise<unknown> {
    return Promise.allSettled([...this.#inflight]);
  }

  #op<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const done = () => this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }
}

// ---------------------------------------------------------------- Bun

interface BunSocket {
  data: BunSocketStream | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  write(data: Uint8Array): number;
  end(): void;
  pause(): void;
  resume(): void;
}

interface BunHandlers {
  open(s: BunSocket): void;
  data(s: BunSocket, d: Uint8Array): void;
  drain(s: BunSocket): void;
  end(s: BunSocket): void;
  close(s: BunSocket, err?: Error): void;
  error(s: BunSocket, err: Error): void;
}

interface BunNet {
  listen(
    o: { hostname: string; port: number; socket: BunHandlers },
  ): { port: number; stop(all?: boolean): void };
  connect(o: { hostname: string; port: number; socket: BunHandlers }): Promise<BunSocket>;
}

function bunNet(): BunNet {
  return (globalThis as unknown as { Bun: BunNet }).Bun;
}

function bunHandlers(onOpen: (s: BunSocket) => void): BunHandlers {
  return {
    open: onOpen,
    data: (s, d) => s.data?.push(d),
    drain: (s) => s.data?.flush(),
    end: (s) => s.data?.ended(undefined),
    close: (s, err) => s.data?.ended(err),
    error: (s, err) => s.data?.ended(err),
  };
}

function bunListen(options: ListenOptions, onStream: StreamHandler): Promise<StreamListener> {
  const streams = new Set<BunSocketStream>();
  let closed = false;
  const server = bunNet().listen({
    hostname: options.host,
    port: options.port,
    socket: bunHandlers((socket) => {
      const stream = new BunSocketStream(socket, () => streams.delete(stream));
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
    socket: bunHandlers((socket) => {
      socket.data ??= new BunSocketStream(socket, () => {});
    }),
  }).then((socket) => {
    socket.data ??= new BunSocketStream(socket, () => {});
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

/** A Bun socket as a {@linkcode Stream}: queued reads, writes finished on `drain`. */
class BunSocketStream implements Stream {
  #socket: BunSocket;
  #onClose: () => void;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #eof = false;
  #error: Error | undefined;
  #closed = false;
  #reader: { resolve(c: Uint8Array | null): void; reject(e: Error): void } | undefined;
  #writes: { data: Uint8Array; offset: number; resolve(): void; reject(e: Error): void }[] = [];
  readonly remote: Address;

  constructor(socket: BunSocket, onClose: () => void) {
    this.#socket = socket;
    this.#onClose = onClose;
    this.remote = { host: socket.remoteAddress, port: socket.remotePort };
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#queued -= chunk.length;
      if (this.#paused && this.#queued < READ_HIGH_WATER / 2) {
        this.#paused = false;
        this.#socket.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#closed || this.#eof) return Promise.resolve(null);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#eof || this.#error) {
      return Promise.reject(new Error(`Cannot write to ${formatAddress(this.remote)}: stream is closed`));
    }
    return new Promise((resolve, reject) => {
      this.#writes.push({ data, offset: 0, resolve, reject });
      if (this.#writes.length === 1) this.flush();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#finish(null);
    this.#socket.end();
    this.#onClose();
  }

  push(buffer: Uint8Array): void {
    if (this.#closed) return;
    const data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const reader = this.#reader;
    if (reader) {
      this.#reader = undefined;
      return reader.resolve(data);
    }
    this.#chunks.push(data);
    this.#queued += data.length;
    if (!this.#paused && this.#queued > READ_HIGH_WATER) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  flush(): void {
    while (this.#writes.length > 0) {
      const head = this.#writes[0]!;
      const wrote = this.#socket.write(head.data.subarray(head.offset));
      if (wrote < 0) {
        return this.#finish(new Error(`Cannot write to ${formatAddress(this.remote)}: connection closed`));
      }
      head.offset += wrote;
      if (head.offset < head.data.length) return;
      this.#writes.shift();
      head.resolve();
    }
  }

  ended(err: Error | undefined): void {
    if (err) this.#error ??= err;
    else this.#eof = true;
    this.#finish(err ?? null);
    this.#onClose();
  }

  #finish(err: Error | null): void {
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader) {
      if (err && !this.#closed) reader.reject(err);
      else reader.resolve(null);
    }
    const failure = err ?? new Error(`Cannot write to ${formatAddress(this.remote)}: stream is closed`);
    for (const w of this.#writes.splice(0)) w.reject(failure);
  }
}
