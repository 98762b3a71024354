/**
 * Failure detection: SWIM's probe cycle with Lifeguard's refinements.
 * Each interval one node (round-robin over a shuffled list) gets a direct
 * ping; without an ack in time, `indirectChecks` peers probe it for us and
 * a TCP ping runs in parallel (catching nodes whose UDP is blocked); only
 * then is it suspected. Our own health score (awareness) stretches timeouts
 * when we are the slow one, and nacks from indirect probers tell us so.
 *
 * @module
 */
import { addressFromWire, bytesToIp } from "../util/addr.ts";
import { raceTimer } from "../util/deadline.ts";
import type { Address } from "../transport/transport.ts";
import type { Engine } from "./engine.ts";
import {
  type AckMessage,
  type IndirectPingMessage,
  type NackMessage,
  NodeState,
  type PingMessage,
} from "./messages.ts";
import { isDeadOrLeft, nodeAddress, type NodeRecord, snapshotNode } from "./node.ts";
import { sendMsg, sendRawPacket } from "./outbound.ts";
import { encodeMessage, makeCompoundMessage } from "./wire.ts";
import { suspectNode } from "./state_machine.ts";

/** How a probe's wait for an ack ended. */
interface AckOutcome {
  complete: boolean;
  payload?: Uint8Array;
  receivedAt?: number;
}

/** What a TCP ping's ack brought: the peer's ack payload and the round trip from ping to ack. */
export interface StreamAck {
  payload: Uint8Array;
  rttMs: number;
}

/** Function that pings a node over TCP: its ack if one came before `deadline`, else undefined. */
export type StreamPing = (
  node: NodeRecord,
  ping: PingMessage,
  deadline: number,
) => Promise<StreamAck | undefined>;

/** Picks the next node in the round-robin, resetting the round when it wraps. */
export function nextProbeTarget(m: Engine): NodeRecord | undefined {
  let checked = 0;
  while (checked <= m.nodes.size) {
    if (m.nodes.probeIndex >= m.nodes.size) {
      const removed = m.nodes.resetRound(m.clock.now(), m.config.gossipToTheDeadTimeMs);
      for (const name of removed) m.suspicions.delete(name);
      checked++;
      continue;
    }
    const node = m.nodes.all()[m.nodes.probeIndex++]!;
    checked++;
    if (node.name === m.config.name || isDeadOrLeft(node)) continue;
    return node;
  }
  return undefined;
}

/** A ping for `target` with a fresh sequence number and our address for the reply. */
export function makePing(m: Engine, target: NodeRecord): PingMessage {
  const self = m.advertise();
  return {
    type: "ping",
    seqNo: m.nextSeqNo(),
    node: target.name,
    sourceAddr: self.addr,
    sourcePort: self.port,
    sourceNode: m.config.name,
  };
}

/** Runs one full probe of `target`, possibly ending in a suspicion. */
export async function probeNode(m: Engine, target: NodeRecord, streamPing: StreamPing): Promise<void> {
  const started = m.metrics.start();
  try {
    await probeNodeOnce(m, target, streamPing);
  } finally {
    m.metrics.measureSince(["memberlist", "probeNode"], started);
  }
}

async function probeNodeOnce(m: Engine, target: NodeRecord, streamPing: StreamPing): Promise<void> {
  const cfg = m.config;
  const probeInterval = m.awareness.scaleTimeout(cfg.probeIntervalMs);
  if (probeInterval > cfg.probeIntervalMs) m.metrics.incrCounter(["memberlist", "degraded", "probe"]);
  const self = m.advertise();
  const ping = makePing(m, target);
  let resolveAck!: (o: AckOutcome) => void;
  const ackOutcome = new Promise<AckOutcome>((r) => (resolveAck = r));
  let nacks = 0;
  m.acks.set(
    ping.seqNo,
    probeInterval,
    (payload, receivedAt) => resolveAck({ complete: true, payload, receivedAt }),
    () => nacks++,
    () => resolveAck({ complete: false }),
  );
  const deadline = m.clock.now() + probeInterval;
  const to = nodeAddress(target);

  // The round trip is timed from the moment the datagram goes to the socket.
  let sent: number;
  if (target.state === NodeState.alive) {
    sent = sendMsg(m, to, encodeMessage(ping), target);
  } else {
    // Lifeguard "buddy system": tell a suspect directly that it is suspected,
    // so it can refute without waiting for gossip to reach it.
    const suspect = encodeMessage({
      type: "suspect",
      incarnation: target.incarnation,
      node: target.name,
      from: cfg.name,
    });
    sent = sendRawPacket(m, to, makeCompoundMessage([encodeMessage(ping), suspect]), target);
  }

  let awarenessDelta = -1;
  try {
    const first = await raceTimer(m.clock, cfg.probeTimeoutMs, ackOutcome, () => undefined);
    if (first?.complete) {
      reportRtt(m, target, first, sent);
      return;
    }
    if (first === undefined) m.log.debug(`Failed ping: ${target.name} (timeout reached)`);
    if (m.hasShutdown()) return;

    const peers = m.nodes.randomNodes(
      cfg.indirectChecks,
      (n) => n.name === cfg.name || n.name === target.name || n.state !== NodeState.alive,
    );
    let expectedNacks = 0;
    for (const peer of peers) {
      const ind: IndirectPingMessage = {
        type: "indirectPing",
        seqNo: ping.seqNo,
        target: target.addr,
        port: target.port,
        node: target.name,
        nack: peer.pMax >= 4,
        sourceAddr: self.addr,
        sourcePort: self.port,
        sourceNode: cfg.name,
      };
      if (ind.nack) expectedNacks++;
      sendMsg(m, nodeAddress(peer), encodeMessage(ind), peer);
    }

    // The TCP fallback runs alongside the indirect probes (memberlist protocol >= 3).
    const fallback = !cfg.disableTcpPings && target.pMax >= 3
      // As in memberlist, the fallback only says the node is alive: its round trip is not a UDP one.
      ? streamPing(target, ping, deadline).then((ack) => ack !== undefined, (err) => {
        m.log.error(`Failed fallback ping: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      })
      : Promise.resolve(false);

    const second = await ackOutcome;
    if (second.complete) return;
    if (await fallback) {
      m.stats.tcpFallbackSuccesses++;
      // memberlist's exact text: operators alert on it.
      m.log.warn(
        `Was able to connect to ${target.name} but other probes failed, network may be misconfigured`,
      );
      m.log.debug(
        `UDP to ${bytesToIp(target.addr)}:${target.port} seems blocked: only the TCP ping was answered`,
      );
      return;
    }
    if (m.hasShutdown()) return;

    // Lifeguard: missing nacks mean *we* may be the problem; count them against our health.
    awarenessDelta = expectedNacks > 0 ? Math.max(0, expectedNacks - nacks) : 1;
    m.log.info(`Suspect ${target.name} has failed, no acks received`);
    suspectNode(m, { type: "suspect", incarnation: target.incarnation, node: target.name, from: cfg.name });
  } finally {
    m.awareness.applyDelta(awarenessDelta);
  }
}

function reportRtt(m: Engine, target: NodeRecord, outcome: AckOutcome, sent: number): void {
  const rtt = Math.max(0, (outcome.receivedAt ?? m.clock.now()) - sent);
  reportPingComplete(m, target, rtt, outcome.payload ?? new Uint8Array());
}

/** Hands a completed direct ping's round trip and ack payload to the ping delegate (Vivaldi). */
export function reportPingComplete(m: Engine, target: NodeRecord, rttMs: number, payload: Uint8Array): void {
  const ping = m.config.ping;
  if (!ping) return;
  const node = snapshotNode(target);
  m.safeCall("ping delegate", () => ping.notifyPingComplete(node, rttMs, payload));
}

function replyAddress(
  sourceAddr: Uint8Array | undefined,
  sourcePort: number | undefined,
  from: Address,
): Address {
  if (sourceAddr && sourceAddr.length > 0 && sourcePort) {
    return addressFromWire(sourceAddr, sourcePort, "source");
  }
  return from;
}

/** What our acks carry: the ping delegate's payload (Serf's coordinate), or nothing. */
export function ackPayload(m: Engine): Uint8Array {
  const ping = m.config.ping;
  return (ping && m.safeCall("ping delegate", () => ping.ackPayload())) ?? new Uint8Array();
}

/** Answers a direct ping with an ack carrying the ping delegate's payload. */
export function handlePing(m: Engine, p: PingMessage, from: Address): void {
  if (p.node !== "" && p.node !== m.config.name) {
    m.log.warn(`Got ping for unexpected node '${p.node}' from=${from.host}:${from.port}`);
    return;
  }
  const ack: AckMessage = { type: "ackResp", seqNo: p.seqNo, payload: ackPayload(m) };
  const to = replyAddress(p.sourceAddr, p.sourcePort, from);
  sendMsg(m, to, encodeMessage(ack), p.sourceNode ? m.nodes.get(p.sourceNode) : undefined, {
    uncompressed: true,
  });
}

/** Probes a target on another node's behalf, relaying the ack, or a nack on timeout. */
export function handleIndirectPing(m: Engine, ind: IndirectPingMessage, from: Address): void {
  const cfg = m.config;
  // Checked before anything is registered, so bad bytes leave no ack handler behind.
  const target = addressFromWire(
    ind.target,
    ind.port === 0 ? cfg.bindPort : ind.port,
    "indirect ping target",
  );
  const requester = replyAddress(ind.sourceAddr, ind.sourcePort, from);
  const localSeq = m.nextSeqNo();
  const self = m.advertise();
  const requesterNode = ind.sourceNode ? m.nodes.get(ind.sourceNode) : undefined;
  let answered = false;
  m.acks.set(localSeq, cfg.probeTimeoutMs, () => {
    answered = true;
    sendMsg(
      m,
      requester,
      encodeMessage({ type: "ackResp", seqNo: ind.seqNo, payload: new Uint8Array() }),
      requesterNode,
    );
  });
  const ping: PingMessage = {
    type: "ping",
    seqNo: localSeq,
    node: ind.node,
    sourceAddr: self.addr,
    sourcePort: self.port,
    sourceNode: cfg.name,
  };
  sendMsg(m, target, encodeMessage(ping), m.nodes.get(ind.node));
  if (ind.nack) {
    m.schedule(cfg.probeTimeoutMs, () => {
      if (answered || m.hasShutdown()) return;
      const nack: NackMessage = { type: "nackResp", seqNo: ind.seqNo };
      sendMsg(m, requester, encodeMessage(nack), requesterNode);
    });
  }
}
