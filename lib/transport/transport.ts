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

/** One datagram as received. */
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
 */
export interface Stream {
  /** The peer's address. */
  readonly remote: Address;
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

/** Network endpoint of one node: a UDP socket and a TCP listener on the same address. */
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

/** Where a transport should listen. Port 0 picks a free port. */
export interface ListenOptions {
  host: string;
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
