/**
 * The seam between the gossip engine and the network. The engine only ever sees
 * this interface; each runtime (Deno, Bun) and the in-memory test network provide
 * one small implementation, chosen by whoever builds the node (never a global).
 *
 * Mirrors memberlist's `Transport`: unreliable packets (UDP) for probes and gossip,
 * reliable streams (TCP) for push/pull, TCP fallback pings and large user messages.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";

export type { Address };

/**
 * One datagram as received.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type Packet, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock(0);
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1), defaultLatencyMs: 5 });
 * const a = network.listen({ host: "10.0.0.1", port: 7946 });
 * const b = network.listen({ host: "10.0.0.2", port: 7946 });
 * const received: Packet[] = [];
 * b.onPacket((packet) => received.push(packet));
 * a.sendPacket(new Uint8Array([1, 2]), b.localAddress);
 * await clock.advance(5);
 * assert.equal(received.length, 1);
 * assert.deepEqual(received[0]!.buf, new Uint8Array([1, 2]));
 * assert.deepEqual(received[0]!.from, a.localAddress);
 * assert.equal(received[0]!.receivedAt, 5);
 * ```
 */
export interface Packet {
  /** The datagram bytes, owned by the receiver. */
  buf: Uint8Array;
  /** The sender's address as seen by the socket. */
  from: Address;
  /** Receive time on the transport's clock, in milliseconds; used for RTT measurement. */
  receivedAt: number;
}

/**
 * A reliable, ordered byte stream (a TCP connection). One reader at a time.
 * Reads return chunks of whatever size arrived; framing is the caller's job
 * (see `lib/codec/stream_reader.ts`).
 *
 * @example An echo over the in-memory network
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, type Stream, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const a = network.listen({ host: "10.0.0.1", port: 7946 });
 * const b = network.listen({ host: "10.0.0.2", port: 7946 });
 * b.onStream(async (s: Stream) => {
 *   await s.write((await s.read())!);
 *   s.close();
 * });
 * const dialing = a.dial(b.localAddress, 1_000);
 * await clock.advance(10);
 * const stream = await dialing;
 * await stream.write(new Uint8Array([42]));
 * const reply = stream.read();
 * await clock.advance(10);
 * assert.deepEqual(await reply, new Uint8Array([42]));
 * stream.close();
 * ```
 */
export interface Stream {
  /** The peer's address. */
  readonly remote: Address;
  /** Our end's address, when the runtime reports it (Go's error texts name both ends). */
  readonly local?: Address;
  /** Next chunk of bytes, or `null` once the peer closed its side (EOF). Rejects on a broken connection. */
  read(): Promise<Uint8Array | null>;
  /** Writes all of `data`; resolves when handed to the OS (or the simulated link). */
  write(data: Uint8Array): Promise<void>;
  /** Closes both directions. Pending and later reads resolve `null`. Safe to call twice. */
  close(): void;
}

/** Called for every datagram; must not block (it runs on the receive path). */
export type PacketHandler = (packet: Packet) => void;
/** Called for every accepted stream; the handler owns the stream and must close it. */
export type StreamHandler = (stream: Stream) => void;

/**
 * Network endpoint of one node: a UDP socket and a TCP listener on the same address.
 *
 * @example Code that takes a `Transport` runs on the in-memory network in tests
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Address, MemoryNetwork, SeededRandom, type Transport, VirtualClock } from "../../mod.ts";
 *
 * function announce(transport: Transport, to: Address): void {
 *   transport.sendPacket(new TextEncoder().encode("hello"), to);
 * }
 * const network = new MemoryNetwork({ clock: new VirtualClock(), rng: new SeededRandom(1) });
 * const transport: Transport = network.listen({ host: "10.0.0.1", port: 7946 });
 * announce(transport, { host: "10.0.0.2", port: 7946 });
 * assert.equal(network.counters.packetsSent, 1);
 * await transport.close();
 * ```
 */
export interface Transport {
  /** The address actually bound (with the real port when 0 was asked for). */
  readonly localAddress: Address;
  /**
   * Sends one datagram, best effort. Never throws for network errors (they are
   * logged by the transport); throws `TypeError` only for an unusable address.
   */
  sendPacket(buf: Uint8Array, to: Address): void;
  /** Installs the receiver for datagrams; replaces any earlier one. */
  onPacket(handler: PacketHandler): void;
  /** Installs the receiver for accepted streams; replaces any earlier one. */
  onStream(handler: StreamHandler): void;
  /** Opens a stream to `to`, rejecting after `timeoutMs` or when refused. */
  dial(to: Address, timeoutMs: number): Promise<Stream>;
  /** Stops listening, closes sockets, and resolves once the receive loops ended. */
  close(): Promise<void>;
}

/**
 * Where a transport should listen. Port 0 picks a free port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ListenOptions, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const network = new MemoryNetwork({ clock: new VirtualClock(), rng: new SeededRandom(1) });
 * const options: ListenOptions = { host: "10.0.0.1", port: 0 };
 * const transport = network.listen(options);
 * assert.notEqual(transport.localAddress.port, 0);
 * ```
 */
export interface ListenOptions {
  /** IP literal or host name to bind. */
  host: string;
  /** Port to bind; 0 lets the transport pick a free one. */
  port: number;
}

/**
 * Rejects an address no transport can send to or dial, as {@linkcode Transport.sendPacket}
 * and {@linkcode Transport.dial} promise.
 * @throws {TypeError} when the host is empty or the port is outside 1-65535
 */
export function checkAddress(to: Address): void {
  if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535 || to.host === "") {
    throw new TypeError(
      `Cannot use address: need a host and a port in 1-65535: current value is ${formatAddress(to)}`,
    );
  }
}
