/**
 * A `Deno.Conn` seen as a {@linkcode Stream}, shared by the gossip transport
 * (`deno.ts`) and the plain TCP listener and dialer (`tcp_listener.ts`), plus the
 * small `Deno.*` helpers both need.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import type { Stream } from "./transport.ts";

/** Per-stream read buffer; a chunk never exceeds it, and it is reused across reads. */
const READ_BUFFER = 64 * 1024;

/**
 * A `Deno.Conn` seen through the {@linkcode Stream} contract: reads copy out of a reused
 * buffer, writes loop until every byte is accepted, and closing turns pending reads into
 * EOF instead of the `Interrupted` error Deno raises.
 *
 * The owner that tracks open streams passes `onClose` to forget this one; it runs once,
 * on the first `close()`. Before dropping the connection for good, await `settled()` so
 * no read or write op outlives it (Deno's test sanitizers count them).
 *
 * @example
 * ```ts ignore
 * const stream = new DenoStream(await Deno.connect({ hostname: "127.0.0.1", port: 7946 }), () => {});
 * await stream.write(new Uint8Array([1]));
 * stream.close();
 * await stream.settled();
 * ```
 */
export class DenoStream implements Stream {
  #conn: Deno.Conn;
  #onClose: () => void;
  #closed = false;
  #buf = new Uint8Array(READ_BUFFER);
  #inflight = new Set<Promise<unknown>>();
  readonly remote: Address;
  readonly local: Address;

  constructor(conn: Deno.Conn, onClose: () => void) {
    this.#conn = conn;
    this.#onClose = onClose;
    this.remote = fromNetAddr(conn.remoteAddr);
    this.local = fromNetAddr(conn.localAddr);
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    let n: number | null;
    try {
      n = await this.#op(this.#conn.read(this.#buf));
    } catch (err) {
      if (this.#closed) return null;
      throw err;
    }
    if (n === null) return null;
    return this.#buf.slice(0, n);
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
    closeQuietly(this.#conn);
    this.#onClose();
  }

  /** Resolves once no read or write op is outstanding; owners await it on close. */
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

/** Closes a Deno resource, ignoring `BadResource` when it is already closed. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed (BadResource): closing is idempotent for our callers.
  }
}

/** Deno reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`; memberlist wants plain IPv4. */
export function fromNetAddr(addr: Deno.Addr): Address {
  const net = addr as Deno.NetAddr;
  const host = net.hostname.startsWith("::ffff:") && net.hostname.includes(".")
    ? net.hostname.slice(7)
    : net.hostname;
  return { host, port: net.port };
}
