/**
 * Serf's background upkeep: reconnecting to failed members, keeping the
 * broadcast queues bounded, and rejoining the members a snapshot remembers.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import { every } from "../util/periodic.ts";
import type { TransmitLimitedQueue } from "../memberlist/broadcast_queue.ts";
import type { SerfCore } from "./serf_core.ts";
import { reap } from "./members.ts";

/** Starts the reap, reconnect and queue-depth loops; they end when the core's stop signal fires. */
export function startMaintenance(s: SerfCore): Promise<void>[] {
  const c = s.config;
  const options = { signal: s.stopSignal, onError: (err: unknown) => s.log.error(errorMessage(err)) };
  const loops = [
    every(s.clock, c.reapIntervalMs, () => reap(s), options),
    every(s.clock, c.reconnectIntervalMs, () => reconnectOnce(s), options),
  ];
  const queues = [["Intent", s.intentQueue], ["Event", s.eventQueue], ["Query", s.queryQueue]] as const;
  for (const [name, q] of queues) {
    loops.push(every(s.clock, c.queueCheckIntervalMs, () => checkQueueDepth(s, name, q), options));
  }
  return loops;
}

/** Warns about deep broadcast queues and prunes them past the limit, as Serf does. */
export function checkQueueDepth(s: SerfCore, name: string, q: TransmitLimitedQueue): void {
  const n = q.numQueued();
  s.metrics.addSample(["serf", "queue", name], n);
  if (n >= s.config.queueDepthWarning) s.log.warn(`${name} queue depth: ${n}`);
  let max = s.config.maxQueueDepth;
  // With a minimum set, the limit follows the cluster size instead of a constant.
  if (s.config.minQueueDepth > 0) max = Math.max(s.config.minQueueDepth, 2 * s.members.byName.size);
  if (n > max) {
    s.log.warn(`${name} queue depth (${n}) exceeds limit (${max}), dropping messages!`);
    q.prune(max);
    s.stats.prunedBroadcasts += n - max;
  }
}

/**
 * Tries one failed member again. Attempts are throttled by the ratio of failed
 * to alive members, so a mostly healthy cluster does not hammer the dead.
 */
export async function reconnectOnce(s: SerfCore): Promise<void> {
  const failed = s.members.failed;
  if (failed.length === 0) return;
  const alive = Math.max(1, s.members.byName.size - failed.length - s.members.left.length);
  if (s.rng.next() > failed.length / alive) {
    s.log.debug("forgoing reconnect for random throttling");
    return;
  }
  const m = failed[Math.floor(s.rng.next() * failed.length)]!.member;
  const addr = `${m.addr.includes(":") ? `[${m.addr}]` : m.addr}:${m.port}`;
  s.log.info(`attempting reconnect to ${m.name} ${addr}`);
  try {
    await s.memberlist.join([addr]);
  } catch {
    // Still down; the next interval tries again.
  }
}

/** Joins the first reachable member remembered by the snapshot. */
export async function rejoinPrevious(s: SerfCore, previous: { name: string; addr: string }[]): Promise<void> {
  for (const prev of previous) {
    if (prev.name === s.config.nodeName) continue;
    s.log.info(`Attempting re-join to previously known node: ${prev.name}: ${prev.addr}`);
    try {
      await s.memberlist.join([prev.addr]);
      s.log.info(`Re-joined to previously known node: ${prev.name}: ${prev.addr}`);
      return;
    } catch {
      // try the next one
    }
  }
  s.log.warn("Failed to re-join any previously known node");
}
