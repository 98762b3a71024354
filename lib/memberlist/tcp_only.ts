/**
 * TCP-only mode (`tcpOnly`, memberlist#226): a node on a network that drops
 * UDP probes, gossips and sends user messages over TCP, and still sends a
 * stock memberlist nothing it cannot read. A memberlist stream carries
 * exactly one of three messages (ping, userMsg, pushPull) and a userMsg
 * carries one user message, so:
 *
 * - probing is a direct TCP ping, no indirect probes (memberlist does not
 *   relay them over TCP); suspicion and Lifeguard otherwise as usual;
 * - each gossip tick sends the layer above's broadcasts (Serf's intents,
 *   events, queries) to the gossip targets, one userMsg stream per message,
 *   taking from the broadcast queue what one UDP packet would have carried;
 * - our own alive/suspect/dead broadcasts cannot ride a userMsg, so while any
 *   is queued each gossip tick runs one push/pull with a gossip target instead
 *   (the state change is in the full state it exchanges);
 * - direct user messages (Serf's query responses and relays) are userMsg streams.
 *
 * Outbound streams are bounded ({@linkcode MAX_TCP_ONLY_USER_STREAMS} at a
 * time, one gossip push/pull), every dial has a timeout, and a peer that
 * refuses a stream is treated like a lost packet: logged at debug, not retried.
 *
 * @module
 */
import { formatAddress } from "../util/addr.ts";
import { errorMessage } from "../util/errors.ts";
import type { Address } from "../transport/transport.ts";
import type { Engine } from "./engine.ts";
import { NodeState, type PingMessage } from "./messages.ts";
import { nodeAddress, type NodeRecord } from "./node.ts";
import { reportPingComplete, type StreamAck, type StreamPing } from "./probe.ts";
import { suspectNode } from "./state_machine.ts";
import { pushPullNode, sendUserStream } from "./stream.ts";

/** User-message streams a TCP-only node keeps open at once; more are dropped like lost packets. */
export const MAX_TCP_ONLY_USER_STREAMS = 32;
/** A userMsg stream's framing (type byte, msgpack header), reserved per message in the byte budget. */
const USER_STREAM_OVERHEAD = 8;

/**
 * Dial timeout for gossip and user-message streams: a probe interval, never
 * more than `tcpTimeoutMs`. A blackholed peer then holds a stream slot for
 * about as long as it would hold a probe, not the push/pull deadline.
 */
export function tcpOnlyDialTimeoutMs(m: Engine): number {
  return Math.min(m.config.tcpTimeoutMs, m.config.probeIntervalMs);
}

/**
 * Sends one user message to `to` on its own userMsg stream, in the background.
 * Never throws: over the stream bound, or when the peer cannot be reached,
 * the message is dropped and logged at debug, as a lost datagram would be.
 */
export function sendUserMessageOverTcp(m: Engine, to: Address, msg: Uint8Array): void {
  if (m.outboundStreams.user >= MAX_TCP_ONLY_USER_STREAMS) {
    m.stats.userMessagesDropped++;
    m.log.debug(
      `TCP-only: dropped a user message to ${
        formatAddress(to)
      }: ${MAX_TCP_ONLY_USER_STREAMS} streams already open`,
    );
    return;
  }
  m.outboundStreams.user++;
  m.track(
    sendUserStream(m, to, msg, tcpOnlyDialTimeoutMs(m))
      .catch((err) => {
        if (!m.hasShutdown()) {
          m.log.debug(
            `TCP-only: failed to send a user message to ${formatAddress(to)}: ${errorMessage(err)}`,
          );
        }
      })
      .finally(() => m.outboundStreams.user--),
  );
}

/**
 * One gossip tick in TCP-only mode (see the module doc).
 * @param targets the nodes the tick gossips to, chosen as for UDP gossip
 */
export function gossipOverTcp(m: Engine, targets: NodeRecord[]): void {
  if (targets.length === 0) return;
  if (m.broadcasts.numQueued() > 0) spreadStateByPushPull(m, targets[0]!);
  const d = m.config.delegate;
  if (!d) return;
  for (const node of targets) {
    const msgs = m.safeCall(
      "delegate getBroadcasts",
      () => d.getBroadcasts(USER_STREAM_OVERHEAD, m.config.udpBufferSize),
    ) ?? [];
    if (msgs.length === 0) return;
    const to = nodeAddress(node);
    for (const msg of msgs) sendUserMessageOverTcp(m, to, msg);
  }
}

/**
 * Counts our queued memberlist broadcasts as sent once and push/pulls with
 * `peer`, whose full-state exchange carries them. At most one such push/pull
 * runs at a time; while it does, the broadcasts wait for a later tick.
 */
function spreadStateByPushPull(m: Engine, peer: NodeRecord): void {
  if (m.outboundStreams.pushPull) return;
  m.broadcasts.getBroadcasts(0, Number.MAX_SAFE_INTEGER);
  pushPullInBackground(m, peer);
}

/** Starts a bounded push/pull with `peer` (one at a time); failures are logged at debug. */
function pushPullInBackground(m: Engine, peer: NodeRecord): void {
  if (m.outboundStreams.pushPull) return;
  m.outboundStreams.pushPull = true;
  m.track(
    pushPullNode(m, nodeAddress(peer), false, peer.name)
      .catch((err) => {
        if (!m.hasShutdown()) {
          m.log.debug(`TCP-only: push/pull with ${peer.name} failed: ${errorMessage(err)}`);
        }
      })
      .finally(() => (m.outboundStreams.pushPull = false)),
  );
}

/**
 * Probes `target` in TCP-only mode: a TCP ping with the probe timeout, then
 * one more until the end of the (Lifeguard-scaled) probe interval, standing
 * in for the indirect probes; without an ack the target is suspected. A
 * suspect that answers is push/pulled with, so it learns of the suspicion and
 * can refute: the UDP buddy message (ping plus suspect) has no TCP form.
 */
export async function probeOverTcp(
  m: Engine,
  target: NodeRecord,
  ping: PingMessage,
  streamPing: StreamPing,
): Promise<void> {
  const cfg = m.config;
  const start = m.clock.now();
  const deadline = start + m.awareness.scaleTimeout(cfg.probeIntervalMs);
  const attempt = async (until: number): Promise<StreamAck | undefined> => {
    try {
      return await streamPing(target, ping, until);
    } catch (err) {
      m.log.error(`Failed TCP ping: ${errorMessage(err)}`);
      return undefined;
    }
  };
  let awarenessDelta = -1;
  try {
    let ack = await attempt(Math.min(deadline, start + cfg.probeTimeoutMs));
    if (!ack && !m.hasShutdown()) {
      m.log.debug(`Failed TCP ping: ${target.name} (timeout reached)`);
      ack = await attempt(deadline);
    }
    if (m.hasShutdown()) return;
    if (ack) {
      // The stream's ping is this mode's only probe, so its round trip feeds coordinates as a UDP ping's would.
      reportPingComplete(m, target, ack.rttMs, ack.payload);
      if (target.state === NodeState.suspect) pushPullInBackground(m, target);
      return;
    }
    awarenessDelta = 1;
    m.log.info(`Suspect ${target.name} has failed, no acks received`);
    suspectNode(m, { type: "suspect", incarnation: target.incarnation, node: target.name, from: cfg.name });
  } finally {
    m.awareness.applyDelta(awarenessDelta);
  }
}
