/**
 * The three periodic activities of a memberlist node: probing (failure
 * detection), gossip (spreading broadcasts) and push/pull (anti-entropy). Each
 * starts after a random stagger so nodes created together do not tick in
 * lockstep, and each ends when the node's stop signal fires.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import { every } from "../util/periodic.ts";
import { randomStagger } from "../util/random.ts";
import type { Engine } from "./engine.ts";
import { pushPullScale } from "./math.ts";
import { NodeState } from "./messages.ts";
import { nodeAddress } from "./node.ts";
import {
  COMPOUND_HEADER_OVERHEAD,
  COMPOUND_OVERHEAD,
  encryptionEnabled,
  encryptionVersion,
  encryptOverhead,
  getBroadcasts,
  sendRawPacket,
} from "./outbound.ts";
import { nextProbeTarget, probeNode } from "./probe.ts";
import { pushPullNode, streamPing } from "./stream.ts";
import { makeCompoundMessage } from "./wire.ts";

/** Starts the loops the configuration enables; the promises settle after `signal` aborts. */
export function startLoops(m: Engine, signal: AbortSignal): Promise<void>[] {
  const c = m.config;
  const loops: Promise<void>[] = [];
  if (c.probeIntervalMs > 0) loops.push(probeLoop(m, signal));
  if (c.gossipIntervalMs > 0) {
    loops.push(every(m.clock, c.gossipIntervalMs, () => gossip(m), {
      signal,
      onError: (err) => m.log.error(`Gossip failed: ${errorMessage(err)}`),
      firstDelayMs: randomStagger(m.rng, c.gossipIntervalMs),
    }));
  }
  if (c.pushPullIntervalMs > 0) loops.push(pushPullLoop(m, signal));
  return loops;
}

/** Sleeps on the engine clock; false when the stop signal ended the wait. */
async function sleep(m: Engine, ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await m.clock.sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}

/** One probe per interval; a slow probe delays the next one rather than overlapping it, as in memberlist. */
async function probeLoop(m: Engine, signal: AbortSignal): Promise<void> {
  if (!await sleep(m, randomStagger(m.rng, m.config.probeIntervalMs), signal)) return;
  while (!signal.aborted) {
    const started = m.clock.now();
    const target = nextProbeTarget(m);
    if (target) {
      try {
        await probeNode(m, target, (node, ping, deadline) => streamPing(m, node, ping, deadline));
      } catch (err) {
        m.log.error(`Probe of ${target.name} failed: ${errorMessage(err)}`);
      }
    }
    const wait = Math.max(0, started + m.config.probeIntervalMs - m.clock.now());
    if (!await sleep(m, wait, signal)) return;
  }
}

/** Full state exchange with one random alive peer, less often as the cluster grows. */
async function pushPullLoop(m: Engine, signal: AbortSignal): Promise<void> {
  const base = m.config.pushPullIntervalMs;
  if (!await sleep(m, randomStagger(m.rng, base), signal)) return;
  while (!signal.aborted) {
    const peer = m.nodes.randomNodes(1, (n) => n.name === m.config.name || n.state !== NodeState.alive)[0];
    if (peer) {
      try {
        await pushPullNode(m, nodeAddress(peer), false);
      } catch (err) {
        if (!m.hasShutdown()) m.log.error(`Push/Pull with ${peer.name} failed: ${errorMessage(err)}`);
      }
    }
    if (!await sleep(m, pushPullScale(base, m.nodes.countAlive()), signal)) return;
  }
}

/**
 * Sends queued broadcasts to `gossipNodes` random peers, including recently
 * dead ones (so a wrongly declared node learns it and refutes).
 */
function gossip(m: Engine): void {
  const now = m.clock.now();
  const c = m.config;
  const targets = m.nodes.randomNodes(c.gossipNodes, (n) => {
    if (n.name === c.name) return true;
    if (n.state === NodeState.alive || n.state === NodeState.suspect) return false;
    if (n.state === NodeState.dead) return now - n.stateChange > c.gossipToTheDeadTimeMs;
    return true;
  });
  let avail = c.udpBufferSize - COMPOUND_HEADER_OVERHEAD;
  if (encryptionEnabled(m)) avail -= encryptOverhead(encryptionVersion(c.protocolVersion));
  for (const node of targets) {
    const msgs = getBroadcasts(m, COMPOUND_OVERHEAD, avail);
    if (msgs.length === 0) return;
    const packet = msgs.length === 1 ? msgs[0]! : makeCompoundMessage(msgs);
    sendRawPacket(m, nodeAddress(node), packet, node);
  }
}
