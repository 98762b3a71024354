/**
 * The inbound UDP path, in one place: a datagram from the transport is
 * unwrapped (label, AES-GCM, CRC, compound, LZW), each message in it decoded,
 * and routed by type to the protocol module that handles it (probe.ts for
 * pings and acks, state_machine.ts for alive/suspect/dead, the delegate for
 * user messages). Anything that fails to unwrap or decode is dropped and
 * counted; the receive path never throws.
 *
 * @module
 */
import { isOldNewsAliveBody } from "./old_news.ts";
import { formatAddress } from "../util/addr.ts";
import { DecodeError, errorMessage } from "../util/errors.ts";
import type { Packet } from "../transport/transport.ts";
import type { Engine } from "./engine.ts";
import { MessageType } from "./messages.ts";
import { encryptionEnabled, utf8 } from "./outbound.ts";
import { handleIndirectPing, handlePing } from "./probe.ts";
import { decryptPayload } from "./security.ts";
import { aliveNode, deadNode, suspectNode } from "./state_machine.ts";
import {
  compoundPartLength,
  compoundWholeParts,
  decodePacketBody,
  decompressPayload,
  removeLabelHeader,
  verifyCrc,
} from "./wire.ts";

/** Nesting allowed for compound-in-compress-in-compound; real peers use at most 2. */
const MAX_NESTING = 4;

/** Counted for every datagram, so one shared key rather than an array each. */
const UDP_RECEIVED: readonly string[] = ["memberlist", "udp", "received"];

/** Unwraps one datagram and dispatches every message in it. Never throws. */
export function ingestPacket(m: Engine, packet: Packet): void {
  if (m.hasShutdown()) return;
  m.stats.packetsReceived++;
  m.stats.udpBytesReceived += packet.buf.length;
  m.metrics.incrCounter(UDP_RECEIVED, packet.buf.length);
  try {
    let buf = packet.buf;
    const { label, rest } = removeLabelHeader(buf);
    if (label !== m.config.label && !(label === "" && m.config.skipInboundLabelCheck)) {
      m.dropBadInput(formatAddress(packet.from), `Discarding packet with unacceptable label "${label}"`);
      return;
    }
    buf = rest;
    if (encryptionEnabled(m)) {
      try {
        buf = decryptPayload(m.config.keyring!.getKeys(), buf, utf8.encode(label));
      } catch (err) {
        if (m.config.gossipVerifyIncoming) {
          m.dropBadInput(formatAddress(packet.from), `Decrypt packet failed: ${errorMessage(err)}`);
          return;
        }
        // Rolling out encryption: accept plaintext while verification is off.
      }
    }
    if (buf.length >= 5 && buf[0] === MessageType.hasCrc) {
      const inner = verifyCrc(buf);
      if (!inner) {
        m.dropBadInput(formatAddress(packet.from), "Got invalid checksum for UDP packet");
        return;
      }
      buf = inner;
    }
    unwrap(m, buf, 0, buf.length, packet, 0);
  } catch (err) {
    m.dropFailedInput(formatAddress(packet.from), "packet", err);
  }
}

/**
 * Dispatches the message in `buf[start, end)`. Messages are read in place
 * (offsets, not views) because a packet carries many, each mostly old news.
 */
function unwrap(m: Engine, buf: Uint8Array, start: number, end: number, packet: Packet, depth: number): void {
  if (end - start < 1) throw new DecodeError("Empty message");
  if (depth > MAX_NESTING) throw new DecodeError("Messages nested too deeply");
  const type = buf[start]!;
  switch (type) {
    case MessageType.compound: {
      const table = start + 1;
      const whole = compoundWholeParts(buf, table, end);
      const truncated = buf[table]! - whole;
      if (truncated > 0) {
        m.log.warn(`Compound request had ${truncated} truncated messages from=${formatAddress(packet.from)}`);
      }
      let at = table + 1 + 2 * buf[table]!;
      for (let i = 0; i < whole; i++) {
        const partEnd = at + compoundPartLength(buf, table, i);
        try {
          unwrap(m, buf, at, partEnd, packet, depth + 1);
        } catch (err) {
          // One bad part must not cost us the others.
          m.dropFailedInput(formatAddress(packet.from), "compound part", err);
        }
        at = partEnd;
      }
      return;
    }
    case MessageType.compress: {
      const inner = decompressPayload(buf.subarray(start + 1, end));
      unwrap(m, inner, 0, inner.length, packet, depth + 1);
      return;
    }
    default:
      route(m, type, buf, start + 1, end, packet);
  }
}

/** Decodes the message body in `buf[start, end)` and hands it to its handler. */
function route(m: Engine, type: number, buf: Uint8Array, start: number, end: number, packet: Packet): void {
  switch (type) {
    case MessageType.ping:
    case MessageType.indirectPing:
    case MessageType.ackResp:
    case MessageType.nackResp:
    case MessageType.suspect:
    case MessageType.alive:
    case MessageType.dead: {
      if (type === MessageType.alive && isOldNewsAliveBody(m, buf, start, end)) return;
      const msg = decodePacketBody(type, buf.subarray(start, end));
      switch (msg.type) {
        case "ping":
          return handlePing(m, msg, packet.from);
        case "indirectPing":
          return handleIndirectPing(m, msg, packet.from);
        case "ackResp":
          return m.acks.invokeAck(msg.seqNo, msg.payload, packet.receivedAt);
        case "nackResp":
          return m.acks.invokeNack(msg.seqNo);
        case "suspect":
          return suspectNode(m, msg);
        case "alive":
          if (msg.port === 0) msg.port = m.config.bindPort;
          return aliveNode(m, msg, false);
        case "dead":
          return deadNode(m, msg);
      }
      return;
    }
    case MessageType.user: {
      const delegate = m.config.delegate;
      if (!delegate) return;
      const msg = delegate.borrowsMessages ? buf.subarray(start, end) : buf.slice(start, end);
      m.safeCall("delegate notifyMsg", () => delegate.notifyMsg(msg));
      return;
    }
    default:
      m.dropBadInput(formatAddress(packet.from), `msg type (${type}) not supported`);
  }
}
