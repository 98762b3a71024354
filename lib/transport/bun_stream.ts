/**
 * A Bun TCP socket seen as a {@linkcode Stream}, shared by the gossip transport
 * (`bun.ts`) and the plain TCP listener and dialer (`tcp_listener.ts`). Bun's types
 * are declared locally (only what is used) so this also type-checks under
 * `deno check` without `@types/bun`.
 *
 * Bun's sockets are callback-driven: `write` returns how many bytes the kernel took and
 * never buffers the rest, so {@linkcode BunStream} keeps the remainder and finishes it on
 * `drain`; incoming `data` chunks are queued for `read()`, and the socket is paused while
 * the queue is large so a slow reader cannot make memory grow without bound.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import type { Stream } from "./transport.ts";

/** Queued unread bytes above which the socket is paused until the reader catches up. */
const READ_HIGH_WATER = 1024 * 1024;

/** The slice of Bun's TCP socket used here; `data` holds the socket's {@linkcode BunStream}. */
export interface BunSocket {
  data: BunStream | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** The callbacks Bun takes for `Bun.listen` and `Bun.connect`. */
export interface BunSocketHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

/** What `Bun.listen` returns. */
export interface BunListener {
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

/** The TCP slice of the `Bun` global. */
export interface BunTcpApi {
  listen(options: { hostname: string; port: number; socket: BunSocketHandlers }): BunListener;
  connect(options: { hostname: string; port: number; socket: BunSocketHandlers }): Promise<BunSocket>;
}

/**
 * Handlers shared by every socket of one kind; per-socket state lives in `socket.data`.
 * `onOpen` must set `socket.data` to a {@linkcode BunStream} (or close the socket):
 * events before that are dropped.
 */
export function socketHandlers(onOpen: (socket: BunSocket) => void): BunSocketHandlers {
  return {
    open: onOpen,
    data: (s, data) => s.data?.push(data),
    drain: (s) => s.data?.flush(),
    end: (s) => s.data?.ended(undefined, false),
    close: (s, err) => s.data?.ended(err, true),
    error: (s, err) => s.data?.ended(err, false),
  };
}

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * A Bun socket seen through the {@linkcode Stream} contract. Reads take queued chunks;
 * writes resolve once the kernel accepted every byte, continuing on `drain`.
 *
 * Bun delivers events through {@linkcode socketHandlers}, so the socket's `data` must point
 * at this stream. The owner that tracks open streams passes `onClose` to forget this one;
 * it runs on `close()` and again when Bun reports the socket gone, so it must be idempotent.
 *
 * @example
 * ```ts ignore
 * const socket = await Bun.connect({
 *   hostname: "127.0.0.1",
 *   port: 7946,
 *   socket: socketHandlers((s) => s.data = new BunStream(s, () => {})),
 * });
 * await socket.data!.write(new Uint8Array([1]));
 * socket.data!.close();
 * ```
 */
export class BunStream implements Stream {
  #socket: BunSocket;
  #onClose: () => void;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #eof = false;
  #error: Error | undefined;
  #closed = false;
  #reader: { resolve(c: Uint8Array | null): void; reject(e: Error): void } | undefined;
  #writes: PendingWrite[] = [];
  readonly remote: Address;
  readonly local: Address;

  constructor(socket: BunSocket, onClose: () => void) {
    this.#socket = socket;
    this.#onClose = onClose;
    this.remote = { host: socket.remoteAddress, port: socket.remotePort };
    this.local = { host: socket.localAddress, port: socket.localPort };
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
    // end() sends FIN after Bun's own buffer drains, so bytes already written still arrive.
    this.#socket.end();
    this.#onClose();
  }

  /**
   * Bun handed us bytes in a fresh `Buffer` per callback, so no copy is needed; it is
   * re-viewed as a plain `Uint8Array` because `Buffer#slice` makes views, not copies.
   */
  push(buffer: Uint8Array): void {
    if (this.#closed) return;
    const data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (this.#reader) {
      const reader = this.#reader;
      this.#reader = undefined;
      reader.resolve(data);
      return;
    }
    this.#chunks.push(data);
    this.#queued += data.length;
    if (!this.#paused && this.#queued > READ_HIGH_WATER) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /** Writes as much of the queue as the kernel takes; called again by Bun's `drain`. */
  flush(): void {
    while (this.#writes.length > 0) {
      const head = this.#writes[0]!;
      const wrote = this.#socket.write(head.data.subarray(head.offset));
      if (wrote < 0) {
        this.#finish(new Error(`Cannot write to ${formatAddress(this.remote)}: connection closed`));
        return;
      }
      head.offset += wrote;
      if (head.offset < head.data.length) return;
      this.#writes.shift();
      head.resolve();
    }
  }

  /**
   * The peer sent FIN (`end`), the connection broke (`err`), or the socket is gone
   * (`gone`, after which the owner forgets the stream even if it never closes it).
   */
  ended(err: Error | undefined, gone: boolean): void {
    if (err) this.#error ??= err;
    else this.#eof = true;
    this.#finish(err ?? null);
    if (gone) this.#onClose();
  }

  #finish(err: Error | null): void {
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader) {
      if (err && !this.#closed) reader.reject(err);
      else reader.resolve(null);
    }
    const writes = this.#writes.splice(0);
    const writeError = err ?? new Error(`Cannot write to ${formatAddress(this.remote)}: stream is closed`);
    for (const w of writes) w.reject(writeError);
  }
}
