/**
 * The outbound UDP path: wrapping outgoing messages (piggybacked broadcasts,
 * compound, LZW, CRC, AES-GCM, label) and handing them to the transport. The
 * inbound path is inbound.ts.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import type { Address } from "../transport/transport.ts";
import type { Engine } from "./engine.ts";
import { MessageType } from "./messages.ts";
import type { NodeRecord } from "./node.ts";
import { type EncryptionVersion, encryptOverhead, encryptPayload } from "./security.ts";

export { encryptOverhead };
import { addCrc, addLabelHeader, compressPayload, makeCompoundMessage } from "./wire.ts";

/** Shared encoder: labels are encoded on every packet, so do not construct one each time. */
export const utf8 = new TextEncoder();

/** Bytes a compound header costs; memberlist's assumed overheads. */
export const COMPOUND_HEADER_OVERHEAD = 2;
export const COMPOUND_OVERHEAD = 2;
const USER_MSG_OVERHEAD = 1;

/** Encryption version by protocol: 0 pads (protocol 1), 1 does not. */
export function encryptionVersion(protocolVersion: number): EncryptionVersion {
  return protocolVersion <= 1 ? 0 : 1;
}

export function encryptionEnabled(m: Engine): boolean {
  return (m.config.keyring?.getKeys().length ?? 0) > 0;
}

function labelBytes(m: Engine): Uint8Array {
  return utf8.encode(m.config.label);
}

/**
 * Collects broadcasts for a packet: memberlist's own first, then the
 * delegate's user broadcasts (prefixed with the user message type) in the room left.
 */
export function getBroadcasts(m: Engine, overhead: number, limit: number): Uint8Array[] {
  const out = m.broadcasts.getBroadcasts(overhead, limit);
  const d = m.config.delegate;
  if (!d) return out;
  let used = 0;
  for (const msg of out) used += msg.length + overhead;
  const avail = limit - used;
  if (avail <= overhead + USER_MSG_OVERHEAD) return out;
  const user =
    m.safeCall("delegate getBroadcasts", () => d.getBroadcasts(overhead + USER_MSG_OVERHEAD, avail)) ??
      [];
  for (const u of user) {
    const framed = new Uint8Array(u.length + 1);
    framed[0] = MessageType.user;
    framed.set(u, 1);
    out.push(framed);
  }
  return out;
}

/**
 * Sends `msg` with as many queued broadcasts as fit in the UDP buffer.
 * @returns the send time, taken after all the wrapping (see {@linkcode sendRawPacket})
 */
export function sendMsg(
  m: Engine,
  to: Address,
  msg: Uint8Array,
  node?: NodeRecord,
  opt?: SendOptions,
): number {
  let avail = m.config.udpBufferSize - msg.length - COMPOUND_HEADER_OVERHEAD;
  if (encryptionEnabled(m) && m.config.gossipVerifyOutgoing) {
    avail -= encryptOverhead(encryptionVersion(m.config.protocolVersion));
  }
  // TCP-only: broadcasts go by stream; one piggybacked on a datagram the network drops would be spent for nothing.
  const extra = m.config.tcpOnly ? [] : getBroadcasts(m, COMPOUND_OVERHEAD, avail);
  if (extra.length === 0) return sendRawPacket(m, to, msg, node, opt);
  return sendRawPacket(m, to, makeCompoundMessage([msg, ...extra]), node);
}

/** How one datagram is sent. */
export interface SendOptions {
  /**
   * Skip the LZW attempt: for a lone ack, which sits on the round trip a probe
   * measures. Its coordinate payload (float64s) does not shrink under LZW, so
   * memberlist's attempt only costs time; piggybacked gossip is always tried.
   * @default false
   */
  uncompressed?: boolean;
}

/**
 * Compresses (when smaller), adds a CRC for peers that check it, encrypts, labels, sends.
 * @returns the clock reading right before the transport took the datagram: a probe's
 * round trip starts here, so piggybacking, compression and encryption do not count as
 * network time in the Vivaldi coordinates
 */
export function sendRawPacket(
  m: Engine,
  to: Address,
  msg: Uint8Array,
  node?: NodeRecord,
  opt?: SendOptions,
): number {
  let out = msg;
  if (m.config.enableCompression && !opt?.uncompressed) {
    try {
      const compressed = compressPayload(out);
      if (compressed.length < out.length) out = compressed;
    } catch (err) {
      m.log.error(`Failed to compress payload: ${errorMessage(err)}`);
    }
  }
  if (node && node.pMax >= 5) out = addCrc(out);
  if (encryptionEnabled(m) && m.config.gossipVerifyOutgoing) {
    const label = labelBytes(m);
    out = encryptPayload(
      encryptionVersion(m.config.protocolVersion),
      m.config.keyring!.getPrimaryKey()!,
      out,
      label,
    );
  }
  if (m.config.label) out = addLabelHeader(out, m.config.label);
  m.stats.packetsSent++;
  m.stats.udpBytesSent += out.length;
  m.metrics.incrCounter(["memberlist", "udp", "sent"], out.length);
  const sentAt = m.clock.now();
  m.transport.sendPacket(out, to);
  return sentAt;
}
