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
import type { NodeRecord } from "./node.ts";
import { type EncryptionVersion, encryptOverhead, encryptPayload } from "./security.ts";

export { encryptOverhead };
import { addCrc, addLabelHeader, compressPayload, makeCompoundMessage, makeUserMessage } from "./wire.ts";

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

/** What one packet piggybacks. */
export interface Piggyback {
  /** memberlist's own broadcasts, complete messages. */
  own: Uint8Array[];
  /** The delegate's broadcasts, each to go out as a user message (see {@linkcode packPiggyback}). */
  user: Uint8Array[];
}

/**
 * Collects broadcasts for a packet: memberlist's own first, then the
 * delegate's user broadcasts in the room left, each counted with the user
 * message type byte it will be sent behind.
 */
export function getBroadcasts(m: Engine, overhead: number, limit: number): Piggyback {
  const own = m.broadcasts.getBroadcasts(overhead, limit);
  const d = m.config.delegate;
  if (!d) return { own, user: [] };
  let used = 0;
  for (let i = 0; i < own.length; i++) used += own[i]!.length + overhead;
  const avail = limit - used;
  if (avail <= overhead + USER_MSG_OVERHEAD) return { own, user: [] };
  const user =
    m.safeCall("delegate getBroadcasts", () => d.getBroadcasts(overhead + USER_MSG_OVERHEAD, avail)) ??
      [];
  return { own, user };
}

/**
 * The datagram for `lead` (a message to send, if any) and what piggybacks on
 * it: the lone message itself, or a compound of them all, the delegate's
 * framed as user messages. Undefined when there is nothing to send.
 */
export function packPiggyback(lead: Uint8Array | undefined, extra: Piggyback): Uint8Array | undefined {
  const { own, user } = extra;
  if (lead !== undefined) own.unshift(lead);
  if (own.length + user.length > 1) return makeCompoundMessage(own, user);
  return own.length === 1 ? own[0]! : user.length === 1 ? makeUserMessage(user[0]!) : undefined;
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
  const extra = m.config.tcpOnly ? undefined : getBroadcasts(m, COMPOUND_OVERHEAD, avail);
  if (extra === undefined || extra.own.length + extra.user.length === 0) {
    return sendRawPacket(m, to, msg, node, opt);
  }
  return sendRawPacket(m, to, packPiggyback(msg, extra)!, node);
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
