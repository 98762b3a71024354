/**
 * The UDP multicast seam mDNS discovery needs. The gossip transports do not
 * cover it (no group membership, no shared port 5353), and keeping it behind
 * this interface lets the mDNS core run against a fake in tests while the
 * composition root picks the runtime's implementation.
 *
 * @module
 */

/** Where a datagram came from. */
export interface DatagramSource {
  /** An IPv4 or IPv6 literal; a link-local IPv6 one may carry a `%zone` (Bun gives it, Deno does not). */
  address: string;
  port: number;
}

/** Options for {@linkcode MulticastOpener}. */
export interface MulticastSocketOptions {
  /** mDNS runs one socket per family, as hashicorp/mdns does. */
  family: "udp4" | "udp6";
  /** Local port; 0 picks an ephemeral one. */
  port: number;
  /** Multicast group to join after binding (`224.0.0.251`, `ff02::fb`); none for a plain sender. */
  group?: string;
  /**
   * `udp4` only: IPv4 address of the interface to join the group on and send
   * multicast from; the kernel's routing choice when absent.
   */
  interfaceAddress?: string;
  /**
   * `udp6` only: name of that interface (IPv6 names interfaces by index, not
   * by address); the kernel's routing choice when absent.
   */
  interfaceName?: string;
  /** Share the port with other listeners (SO_REUSEADDR), as every mDNS stack does on 5353. @default false */
  reuseAddr?: boolean;
  /** Called for every datagram; must not throw or block. */
  onMessage(data: Uint8Array, from: DatagramSource): void;
  /** Socket errors after binding; the socket stays open. */
  onError?(err: unknown): void;
}

/** A bound datagram socket that may be a member of a multicast group. */
export interface MulticastSocket {
  /** The bound local port. */
  readonly port: number;
  /** Sends one datagram; resolves once handed to the kernel. */
  send(data: Uint8Array, to: DatagramSource): Promise<void>;
  /** Leaves the group and closes; closing twice is harmless. */
  close(): Promise<void>;
}

/** Binds a socket as the options say. Rejects when binding or joining fails. */
export type MulticastOpener = (options: MulticastSocketOptions) => Promise<MulticastSocket>;
