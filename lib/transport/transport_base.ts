/**
 * What every {@linkcode Transport} does the same way: it keeps the one packet
 * handler and the one stream handler memberlist installs, and delivers to
 * them. The runtime-specific socket work stays in each subclass.
 *
 * @module
 */
import type { PacketHandler, StreamHandler } from "./transport.ts";

/** Handler slots shared by the Deno, Bun and in-memory transports. */
export abstract class TransportBase {
  /** Where received datagrams go; undefined until memberlist installs it. */
  protected packetHandler: PacketHandler | undefined;
  /** Where accepted connections go; undefined until memberlist installs it. */
  protected streamHandler: StreamHandler | undefined;

  /** Installs the receiver of every datagram (replacing any earlier one). */
  onPacket(handler: PacketHandler): void {
    this.packetHandler = handler;
  }

  /** Installs the receiver of every accepted connection (replacing any earlier one). */
  onStream(handler: StreamHandler): void {
    this.streamHandler = handler;
  }
}
