/**
 * {@linkcode MulticastOpener} over `node:dgram`, which Deno 2.9 and Bun 1.4
 * both implement with working `reuseAddr`, `addMembership(group, iface)`,
 * `setMulticastInterface`, `setMulticastTTL` and `setMulticastLoopback`
 * (checked between two network namespaces). Deno's own
 * `Deno.listenDatagram` would need the unstable `net` flag and has no
 * outgoing-interface option, so one adapter serves both runtimes.
 *
 * @module
 */
import type * as NodeDgram from "node:dgram";
import { lazyBuiltin } from "../util/builtin.ts";
import { closeOnce } from "./node_udp.ts";
import type { MulticastOpener, MulticastSocket, MulticastSocketOptions } from "./multicast.ts";

/** Loaded when -discover opens its first socket. */
const nodeDgram = lazyBuiltin<typeof NodeDgram>("node:dgram");

/** Opens a `node:dgram` socket, binds it, and joins the group when asked. */
export const openNodeMulticast: MulticastOpener = function openNodeMulticast(
  options: MulticastSocketOptions,
): Promise<MulticastSocket> {
  const sock = nodeDgram().createSocket({
    type: options.family,
    reuseAddr: options.reuseAddr ?? false,
    // IPV6_V6ONLY: the udp6 socket on 5353 must not also take the IPv4 group's traffic.
    ipv6Only: options.family === "udp6",
  });
  return new Promise((resolve, reject) => {
    let bound = false;
    sock.on("error", (err) => {
      if (!bound) {
        bound = true;
        try {
          sock.close();
        } catch { /* already closed */ }
        reject(err);
      } else options.onError?.(err);
    });
    sock.on("message", (msg, rinfo) => {
      options.onMessage(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), {
        address: rinfo.address,
        port: rinfo.port,
      });
    });
    sock.bind(options.port, () => {
      try {
        const iface = options.family === "udp4"
          ? options.interfaceAddress
          : options.interfaceName && `::%${options.interfaceName}`;
        if (options.group) sock.addMembership(options.group, iface);
        if (iface) sock.setMulticastInterface(iface);
        // mDNS packets are link-local: RFC 6762 §11 wants TTL 255 so receivers can check it.
        // Not on udp6: Deno 2.9 then fails the next send to ff02::fb made without an
        // interface, and the hop limit stays Go's default of 1, as for hashicorp/mdns.
        if (options.family === "udp4") sock.setMulticastTTL(255);
        sock.setMulticastLoopback(true);
      } catch (err) {
        bound = true;
        sock.close();
        reject(err);
        return;
      }
      bound = true;
      resolve(wrap(sock));
    });
  });
};

function wrap(sock: NodeDgram.Socket): MulticastSocket {
  return {
    port: sock.address().port,
    send(data, to) {
      return new Promise((resolve, reject) =>
        sock.send(data, to.port, to.address, (err) => (err ? reject(err) : resolve()))
      );
    },
    close: closeOnce(sock),
  };
}
