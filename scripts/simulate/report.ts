/**
 * How a simulation is shown: a readable report, the one-line JSON summary
 * (field names fixed by issue 13, snake_case), and an SVG chart of the
 * dissemination curves drawn with the benchmark's chart code.
 */
import { lineChart } from "../bench/svg_chart.ts";
import type { SimulationResult } from "./scenario.ts";

function round(x: number | null, digits = 2): number | null {
  return x === null ? null : Number(x.toFixed(digits));
}

/** The JSON summary: the fields the issue names first, then the details. */
export function summaryJson(r: SimulationResult): Record<string, unknown> {
  const o = r.options;
  return {
    nodes: o.nodes,
    simulated_s: o.seconds,
    wall_s: round(r.wallS),
    cpu_s: round(r.cpuS),
    tail_cpu_s_per_s: round(r.tailCpuPerS, 3),
    queues_drained_s: r.queuesDrainedS,
    peak_rss_mb: round(r.peakRssMb, 0),
    ...(r.liveHeapMb !== undefined ? { live_heap_mb: round(r.liveHeapMb, 0) } : {}),
    join_converged_s: round(r.joinConvergedS),
    failure_detected_s: round(r.failureDetectedS),
    event_reached_s: round(r.eventReachedS),
    false_failures: r.falseFailures,
    bytes_per_node_per_s: round(r.bytesPerNodePerS, 0),
    seed: o.seed,
    loss: o.loss,
    latency_ms: o.latencyMs,
    profile: o.profile,
    join_window_s: round(r.timeline.joinWindowS),
    killed_at_s: round(r.timeline.killS),
    event_at_s: round(r.timeline.eventS),
    false_failure_events: r.falseFailureEvents,
    partition_failure_events: r.partitionFailureEvents,
    suspicions: r.logs.suspicions,
    refutations: r.logs.refutations,
    warnings: r.logs.warnings,
    packets_sent: r.packetsSent,
    packets_dropped: r.packetsDropped,
    peak_intent_queue: r.queues.intentMax,
    peak_event_queue: r.queues.eventMax,
    peak_memberlist_queue: r.queues.memberlistMax,
    peak_memberlist_queue_at_s: round(r.queues.atS),
    peak_memberlist_queue_total: r.queues.memberlistTotal,
    cpu_s_by_second: r.perSecond.map((c) => round(c.cpuS, 3)),
    memberlist_queued_by_second: r.perSecond.map((c) => c.memberlistQueued),
    intent_queued_by_second: r.perSecond.map((c) => c.intentQueued),
    ...(r.restart
      ? {
        restart_reconverged_s: round(r.restart.reconvergedS),
        restart_peak_missing_pairs: r.restart.peakMissingPairs,
        restart_missing_pairs_at_end: r.restart.missingPairsAtEnd,
      }
      : {}),
    ...(r.partition
      ? {
        partition_reconverged_s: round(r.partition.reconvergedS),
        partition_missing_pairs_at_end: r.partition.missingPairsAtEnd,
      }
      : {}),
  };
}

function seconds(x: number | null, what: string): string {
  return x === null ? `never (${what})` : `${x.toFixed(2)} s`;
}

/** A few lines for people. */
export function formatReport(r: SimulationResult): string {
  const o = r.options;
  const tl = r.timeline;
  const lines = [
    `serfts simulation: ${o.nodes} nodes, ${o.seconds} simulated s, seed ${o.seed}, profile ${o.profile}, ` +
    `loss ${o.loss}, latency ${o.latencyMs} ms`,
    `  wall time ${r.wallS.toFixed(1)} s (${(o.seconds / r.wallS).toFixed(2)}x real time), CPU ` +
    `${r.cpuS.toFixed(1)} s, ` +
    `peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    `  rollout over ${tl.joinWindowS.toFixed(1)} s: every node knows every live node at ` +
    seconds(r.joinConvergedS, "not converged"),
    `  node killed at ${tl.killS.toFixed(1)} s: every live node marked it failed after ` +
    seconds(r.failureDetectedS, "not detected by all"),
    `  user event sent at ${tl.eventS.toFixed(1)} s: delivered everywhere after ` +
    seconds(r.eventReachedS, "not delivered to all"),
    `  false failures: ${r.falseFailures} live nodes (${r.falseFailureEvents} declarations); ` +
    `suspicions ${r.logs.suspicions}, refutations ${r.logs.refutations}`,
    `  traffic: ${r.bytesPerNodePerS.toFixed(0)} bytes per node per second, ${r.packetsSent} packets ` +
    `(${r.packetsDropped} dropped)`,
    `  CPU per simulated second over the last quarter: ${
      r.tailCpuPerS === null ? "n/a" : r.tailCpuPerS.toFixed(3)
    } s; memberlist queues drained (< 1 message per node) at ${
      r.queuesDrainedS === null ? "never" : `${r.queuesDrainedS} s`
    }`,
    `  queue peaks: intent ${r.queues.intentMax}, user event ${r.queues.eventMax}, memberlist ` +
    `${r.queues.memberlistMax} on one node at ${r.queues.atS.toFixed(1)} s ` +
    `(${r.queues.memberlistTotal} over all nodes)`,
  ];
  if (r.partition) {
    lines.push(
      `  partition ${o.partition!.percentA}/${100 - o.partition!.percentA} from ${o.partition!.fromS} s ` +
        `to ${
          o.partition!.toS
        } s: ${r.partitionFailureEvents} failures declared across the cut; whole again ` +
        `${seconds(r.partition.reconvergedS, "not healed")} after; ${r.partition.missingPairsAtEnd} ` +
        `node-pairs still missing at the end`,
    );
  }
  if (r.restart) {
    const s = o.restart!;
    lines.push(
      `  restart of ${s.percent}% at ${s.atS} s, back ${s.downS} s later: whole again ` +
        `${seconds(r.restart.reconvergedS, "never")} after; peak ${r.restart.peakMissingPairs} ` +
        `node-pairs missing, ${r.restart.missingPairsAtEnd} at the end`,
    );
  }
  return lines.join("\n");
}

/** The share of live nodes that know of the join, the failure and the event, over time. */
export function dissemination(r: SimulationResult): string {
  const xs = r.samples.map((s) => s.t);
  const step = Math.max(1, Math.ceil(r.options.seconds / 10));
  const ticks: number[] = [];
  for (let t = 0; t <= r.options.seconds; t += step) ticks.push(t);
  return lineChart({
    title: `${r.options.nodes} nodes, seed ${r.options.seed}: share of live nodes that know`,
    yLabel: "% of live nodes",
    xLabel: "simulated seconds",
    xs,
    xTicks: ticks,
    markers: false,
    series: [
      { name: "members (mean)", values: r.samples.map((s) => s.known * 100) },
      { name: "failure", values: r.samples.map((s) => s.failed * 100) },
      { name: "user event", values: r.samples.map((s) => s.event * 100) },
    ],
  });
}
