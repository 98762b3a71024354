/**
 * Broadcast queue depths during a run: Serf's intent and user-event queues and
 * memberlist's own, the queues Consul saw reach 160k messages during large
 * joins. Sampled over every live node: the deepest single queue and the sum of
 * memberlist's queues across the cluster.
 */
import { engineOf } from "../../lib/memberlist/memberlist.ts";
import { type Serf, serfCoreOf } from "../../lib/serf/serf.ts";

/** The peaks seen so far. */
export interface QueuePeaks {
  /** Deepest Serf intent (join/leave) queue on any node. */
  intentMax: number;
  /** Deepest Serf user-event queue on any node. */
  eventMax: number;
  /** Deepest memberlist broadcast queue (alive/suspect/dead) on any node. */
  memberlistMax: number;
  /** Largest sum of every node's memberlist queue at one sample. */
  memberlistTotal: number;
  /** When the deepest memberlist queue was seen, simulated seconds. */
  atS: number;
}

/** What is queued over the whole cluster at one sample. */
export interface QueueTotals {
  memberlist: number;
  intent: number;
}

/** Updates `peaks` with one sample of every running node at `t` seconds; returns the cluster's totals. */
export function sampleQueues(
  serfs: readonly (Serf | undefined)[],
  peaks: QueuePeaks,
  t: number,
): QueueTotals {
  let total = 0;
  let intents = 0;
  for (const serf of serfs) {
    if (!serf) continue;
    const core = serfCoreOf(serf);
    const intent = core.intentQueue.numQueued();
    intents += intent;
    peaks.intentMax = Math.max(peaks.intentMax, intent);
    peaks.eventMax = Math.max(peaks.eventMax, core.eventQueue.numQueued());
    const ml = engineOf(core.memberlist).broadcasts.numQueued();
    total += ml;
    if (ml > peaks.memberlistMax) {
      peaks.memberlistMax = ml;
      peaks.atS = t;
    }
  }
  peaks.memberlistTotal = Math.max(peaks.memberlistTotal, total);
  return { memberlist: total, intent: intents };
}
