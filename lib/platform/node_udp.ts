/**
 * A plain UDP sender over `node:dgram`, which Deno and Bun both provide: the
 * statsd sink needs to send datagrams to one collector, nothing the gossip
 * transports (bound to the gossip port) or the mDNS multicast socket offer.
 *
 * @module
 */
import type * as NodeDgram from "node:dgram";
import { lazyBuiltin } from "../util/builtin.ts";

/** Loaded when a statsd sink opens its first socket. */
const nodeDgram = lazyBuiltin<typeof NodeDgram>("node:dgram");

/** A socket that sends datagrams to one fixed destination. */
export interface UdpSender {
  /** Sends one datagram; resolves once handed to the kernel, rejects on a socket error. */
  send(data: Uint8Array): Promise<void>;
  /** Closes the socket; closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * Opens an unbound IPv4 or IPv6 socket (by the shape of `host`) that sends to
 * `host:port`. Host names are resolved by the runtime on each send.
 *
 * @example
 * ```ts ignore
 * const sender = await openUdpSender("127.0.0.1", 8125);
 * await sender.send(new TextEncoder().encode("serf-agent.serf.events:1.000000|c\n"));
 * await sender.close();
 * ```
 */
export function openUdpSender(host: string, port: number): Promise<UdpSender> {
  const sock = nodeDgram().createSocket(host.includes(":") ? "udp6" : "udp4");
  // Errors after a send are reported through the send callback; this keeps a stray one from becoming uncaught.
  sock.on("error", () => {});
  return Promise.resolve({
    send(data) {
      return new Promise((resolve, reject) => {
        try {
          sock.send(data, port, host, (err) => (err ? reject(err) : resolve()));
        } catch (err) {
          reject(err);
        }
      });
    },
    close: closeOnce(sock),
  });
}

/**
 * A `close()` for a `node:dgram` socket: resolves once the socket is closed,
 * and the same promise again on later calls (closing an already closed socket throws).
 */
export function closeOnce(sock: NodeDgram.Socket): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () =>
    closed ??= new Promise((resolve) => {
      try {
        sock.close(() => resolve());
      } catch {
        resolve();
      }
    });
}
