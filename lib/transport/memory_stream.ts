/**
 * One end of an in-memory TCP-like connection for {@linkcode MemoryNetwork}:
 * ordered chunks, EOF, and resets after a healed partition. Delivery timing
 * belongs to the network; the stream only buffers and hands chunks to its reader.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import type { Stream } from "./transport.ts";

/** State shared by both ends of one connection. */
export interface Pipe {
  /** Traffic crossed a partition or a host vanished: nothing more flows, like a stalled TCP. */
  broken: boolean;
}

/** The host a stream belongs to: it tracks open streams so a closing host can end them. */
export interface StreamOwner {
  readonly streams: Set<MemoryStream>;
  /** `host:port`, the network's key for links and partitions. */
  readonly key: string;
  readonly localAddress: Address;
}

/** Schedules a chunk (or EOF as `null`) for delivery to the peer end. */
export interface ChunkSender {
  sendChunk(from: MemoryStream, data: Uint8Array | null): void;
}

/** One end of an in-memory duplex pipe. Writes copy their bytes; chunks arrive after the link latency. */
export class MemoryStream implements Stream {
  peer!: MemoryStream;
  /** Due time of the last chunk sent, so later chunks never overtake it. */
  lastDue = 0;
  #chunks: Uint8Array[] = [];
  #eof = false;
  #closed = false;
  #error: Error | undefined;
  #reader: { resolve(c: Uint8Array | null): void; reject(e: Error): void } | undefined;

  constructor(
    readonly owner: StreamOwner,
    readonly remote: Address,
    readonly pipe: Pipe,
    private readonly wire: ChunkSender,
  ) {}

  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) return Promise.resolve(chunk);
    if (this.#closed || this.#eof) return Promise.resolve(null);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#error) {
      return Promise.reject(
        this.#error ?? new Error(`Cannot write to ${formatAddress(this.remote)}: stream is closed`),
      );
    }
    if (data.length > 0) this.wire.sendChunk(this, data.slice());
    return Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.owner.streams.delete(this);
    this.#wake(null);
    this.#chunks = [];
    this.wire.sendChunk(this, null);
  }

  /** A chunk (or EOF as `null`) arrived from the peer. */
  receive(data: Uint8Array | null): void {
    if (this.#closed || this.#eof) return;
    if (data === null) {
      this.#eof = true;
      this.#wake(null);
    } else if (this.#reader) this.#wake(data);
    else this.#chunks.push(data);
  }

  /** The connection was reset (after a healed partition): reads and writes fail from now on. */
  reset(): void {
    if (this.#closed || this.#eof) return;
    this.#error = new Error(`Cannot use stream to ${formatAddress(this.remote)}: connection reset`);
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.reject(this.#error);
  }

  #wake(value: Uint8Array | null): void {
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.resolve(value);
  }
}
