/**
 * The three periodic activities of a memberlist node: probing (failure
 * detection), gossip (spreading broadcasts) and push/pull (anti-entropy). Each
 * starts after a random stagger so nodes created together do not tick in
 * lockstep, and each ends when the node's stop signal fires.
 *
 * A tick that could do nothing does not happen: gossip parks while no
 * broadcast is queued or we know no other node, probing while we know no
 * other node, each woken by a doorbell. Every wakeup of an idle process costs CPU in the
 * runtime (event loop, allocator, GC timers) far beyond the JavaScript it runs,
 * so an idle agent is cheap only when it has no timer firing for nothing. What
 * goes on the wire is unchanged: a parked loop resumes on its interval grid,
 * so a queued broadcast leaves, and a joiner's first probe goes out, at the
 * next tick it would have had with Go's ticker.
 *
 * @module
 */
import type { Doorbell } from "../util/async.ts";
import { errorMessage } from "../util/errors.ts";
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
  packPiggyback,
  sendRawPacket,
} from "./outbound.ts";
import { makePing, nextProbeTarget, probeNode, type StreamPing } from "./probe.ts";
import { pushPullNode, streamPing } from "./stream.ts";
import { gossipOverTcp, probeOverTcp } from "./tcp_only.ts";

/** Starts the loops the configuration enables; the promises settle after `signal` aborts. */
export function startLoops(m: Engine, signal: AbortSignal): Promise<void>[] {
  const c = m.config;
  const loops: Promise<void>[] = [];
  if (c.probeIntervalMs > 0) loops.push(probeLoop(m, signal));
  if (c.gossipIntervalMs > 0) loops.push(gossipLoop(m, signal));
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

/** Waits for `bell` until `ready()`; false when the stop signal ended the wait. */
async function parkUntil(bell: Doorbell, ready: () => boolean, signal: AbortSignal): Promise<boolean> {
  while (!ready()) {
    if (!await bell.wait(signal)) return false;
  }
  return !signal.aborted;
}

/** True when a gossip tick may find something to send and someone to send it to. */
function gossipPending(m: Engine): boolean {
  if (m.nodes.size <= 1) return false;
  if (m.broadcasts.numQueued() > 0) return true;
  const d = m.config.delegate;
  return d !== undefined && (d.pendingBroadcasts?.() ?? 1) > 0;
}

/** Gossip on a fixed grid of intervals (Go's ticker), skipping the ticks that would find nothing queued. */
async function gossipLoop(m: Engine, signal: AbortSignal): Promise<void> {
  const interval = m.config.gossipIntervalMs;
  let next = m.clock.now() + randomStagger(m.rng, interval);
  for (;;) {
    if (!await sleep(m, Math.max(0, next - m.clock.now()), signal)) return;
    if (!gossipPending(m)) {
      if (!await parkUntil(m.gossipBell, () => gossipPending(m), signal)) return;
      // Back on the grid: the first tick at or after now.
      next += Math.max(0, Math.ceil((m.clock.now() - next) / interval)) * interval;
      continue;
    }
    const started = m.metrics.start();
    m.safeCall("gossip", () => gossip(m));
    m.metrics.measureSince(["memberlist", "gossip"], started);
    next += interval;
    // A stalled event loop skips the missed ticks, as a Go ticker drops them.
    if (next < m.clock.now()) next += Math.ceil((m.clock.now() - next) / interval) * interval;
  }
}

/**
 * One probe per interval; a slow probe delays the next one rather than
 * overlapping it, as in memberlist. Alone there is no one to probe: the loop
 * parks until a node is added, then resumes at its next tick, as Go's ticker
 * would. Probing at once would send the joiner's first ping, and the seed's
 * ack, in the moment the join queued the joiner's alive on both sides: two of
 * its few transmits then go over the one link whose ends already know, and
 * with three nodes the third could be left to wait for push/pull.
 */
async function probeLoop(m: Engine, signal: AbortSignal): Promise<void> {
  const interval = m.config.probeIntervalMs;
  const stagger = randomStagger(m.rng, interval);
  let next = m.clock.now() + stagger;
  if (!await sleep(m, stagger, signal)) return;
  while (!signal.aborted) {
    const wasAlone = m.nodes.size <= 1;
    if (!await parkUntil(m.probeBell, () => m.nodes.size > 1, signal)) return;
    if (wasAlone) {
      // Back on the grid: the first tick at or after now.
      next += Math.max(0, Math.ceil((m.clock.now() - next) / interval)) * interval;
      if (!await sleep(m, next - m.clock.now(), signal)) return;
      continue;
    }
    const started = m.clock.now();
    const target = nextProbeTarget(m);
    if (target) {
      try {
        const overTcp: StreamPing = (node, ping, deadline) => streamPing(m, node, ping, deadline);
        if (m.config.tcpOnly) await probeOverTcp(m, target, makePing(m, target), overTcp);
        else await probeNode(m, target, overTcp);
      } catch (err) {
        m.log.error(`Probe of ${target.name} failed: ${errorMessage(err)}`);
      }
    }
    next = started + interval;
    if (!await sleep(m, Math.max(0, next - m.clock.now()), signal)) return;
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
        await pushPullNode(m, nodeAddress(peer), false, peer.name);
      } catch (err) {
        if (!m.hasShutdown()) m.log.error(`Push/Pull with ${peer.name} failed: ${errorMessage(err)}`);
      }
    }
    if (!await sleep(m, pushPullScale(base, m.nodes.size), signal)) return;
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
  if (c.tcpOnly) {
    gossipOverTcp(m, targets);
    return;
  }
  let avail = c.udpBufferSize - COMPOUND_HEADER_OVERHEAD;
  if (encryptionEnabled(m)) avail -= encryptOverhead(encryptionVersion(c.protocolVersion));
  for (const node of targets) {
    const packet = packPiggyback(undefined, getBroadcasts(m, COMPOUND_OVERHEAD, avail));
    if (packet === undefined) return;
    sendRawPacket(m, nodeAddress(node), packet, node);
  }
}
