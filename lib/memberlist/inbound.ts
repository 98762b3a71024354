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
import type { Address, Packet } from "../transport/transport.ts";
import type { Engine } from "./engine.ts";
import { MessageType } from "./messages.ts";
import { encryptionEnabled, utf8 } from "./outbound.ts";
import { handleIndirectPing, handlePing } from "./probe.ts";
import { decryptPayload } from "./security.ts";
import { aliveNode, deadNode, suspectNode } from "./state_machine.ts";
import {
  decodeCompoundMessage,
  decodePacketBody,
  decompressPayload,
  removeLabelHeader,
  verifyCrc,
} from "./wire.ts";

/** Nesting allowed for compound-in-compress-in-compound; real peers use at most 2. */
const MAX_NESTING = 4;

/** Unwraps one datagram and dispatches every message in it. Never throws. */
export function ingestPacket(m: Engine, packet: Packet): void {
  if (m.hasShutdown()) return;
  m.stats.packetsReceived++;
  m.stats.udpBytesReceived += packet.buf.length;
  m.metrics.incrCounter(["memberlist", "udp", "received"], packet.buf.length);
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
    unwrap(m, buf, packet, 0);
  } catch (err) {
    m.dropFailedInput(formatAddress(packet.from), "packet", err);
  }
}

function unwrap(m: Engine, buf: Uint8Array, packet: Packet, depth: number): void {
  if (buf.length < 1) throw new DecodeError("Empty message");
  if (depth > MAX_NESTING) throw new DecodeError("Messages nested too deeply");
  const type = buf[0]!;
  const body = buf.subarray(1);
  switch (type) {
    case MessageType.compound: {
      const { parts, truncated } = decodeCompoundMessage(body);
      if (truncated > 0) {
        m.log.warn(`Compound request had ${truncated} truncated messages from=${formatAddress(packet.from)}`);
      }
      for (const part of parts) {
        try {
          unwrap(m, part, packet, depth + 1);
        } catch (err) {
          // One bad part must not cost us the others.
          m.dropFailedInput(formatAddress(packet.from), "compound part", err);
        }
      }
      return;
    }
    case MessageType.compress:
      unwrap(m, decompressPayload(body), packet, depth + 1);
      return;
    default:
      route(m, type, body, packet.from, packet.receivedAt);
  }
}

/** Decodes one message and hands it to its handler. */
function route(m: Engine, type: number, body: Uint8Array, from: Address, receivedAt: number): void {
  switch (type) {
    case MessageType.ping:
    case MessageType.indirectPing:
    case MessageType.ackResp:
    case MessageType.nackResp:
    case MessageType.suspect:
    case MessageType.alive:
    case MessageType.dead: {
      if (type === MessageType.alive && isOldNewsAliveBody(m, body)) return;
      const msg = decodePacketBody(type, body);
      switch (msg.type) {
        case "ping":
          return handlePing(m, msg, from);
        case "indirectPing":
          return handleIndirectPing(m, msg, from);
        case "ackResp":
          return m.acks.invokeAck(msg.seqNo, msg.payload, receivedAt);
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
      const copy = body.slice();
      m.safeCall("delegate notifyMsg", () => m.config.delegate?.notifyMsg(copy));
      return;
    }
    default:
      m.dropBadInput(formatAddress(from), `msg type (${type}) not supported`);
  }
}
