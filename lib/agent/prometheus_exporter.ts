/**
 * What `GET /metrics` answers: the families read from the running agent at
 * scrape time (members by status, health, queue depths, the engine's own
 * counters) followed by those the {@linkcode PrometheusSink} kept from the
 * emitted metrics (probe and push/pull latencies, membership changes, ...).
 *
 * Reading the engine's counters at scrape time costs the gossip hot paths
 * nothing and keeps the statsd stream exactly Serf's: the numbers that Serf
 * never emitted (bytes received over TCP, malformed and dropped messages,
 * events sent) are counted in `Memberlist.stats` and `Serf.stats`, which
 * never reset while a node runs, so they are valid Prometheus counters.
 *
 * @module
 */
import type { Serf } from "../serf/serf.ts";
import type { MemberStatus } from "../serf/types.ts";
import type { PrometheusSink } from "./prometheus_sink.ts";
import { type PromFamily, writePrometheusText } from "./prometheus_text.ts";

/** Where scrape-time figures come from; the composition root wires them to the agent and its RPC server. */
export interface PrometheusSource {
  /** The running Serf node; undefined before it started (only the sink's families are written then). */
  serf(): Serf | undefined;
  /** RPC clients connected now. */
  rpcClients(): number;
}

/** Statuses reported, in this order; `none` is a transient state Serf never shows. */
const STATUSES: readonly MemberStatus[] = ["alive", "leaving", "left", "failed"];

function counter(name: string, help: string, series: [Record<string, string>, number][]): PromFamily {
  return { type: "counter", name, help, series: series.map(([labels, value]) => ({ labels, value })) };
}

function gauge(name: string, help: string, series: [Record<string, string>, number][]): PromFamily {
  return { type: "gauge", name, help, series: series.map(([labels, value]) => ({ labels, value })) };
}

/**
 * The families read from a running node now.
 *
 * @param rpcClients RPC clients connected now
 */
function scrapeSerfFamilies(serf: Serf, rpcClients: number): PromFamily[] {
  const byStatus = new Map<MemberStatus, number>(STATUSES.map((s) => [s, 0]));
  for (const m of serf.allMembers()) {
    if (byStatus.has(m.status)) byStatus.set(m.status, byStatus.get(m.status)! + 1);
  }
  const ml = serf.memberlist;
  const net = ml.stats;
  const core = serf.stats;
  const queues = serf.queueDepths();
  const coord = serf.getCoordinate();
  return [
    gauge(
      "serfts_members",
      "Members this node knows, by status.",
      STATUSES.map((s) => [{ status: s }, byStatus.get(s)!]),
    ),
    gauge(
      "serfts_health_score",
      "Lifeguard health score of this node: 0 is healthy, higher means its own probes are struggling.",
      [[{}, ml.healthScore]],
    ),
    gauge("serfts_broadcast_queue_messages", "Broadcasts waiting to be gossiped, by queue.", [
      [{ queue: "intent" }, queues.intent],
      [{ queue: "event" }, queues.event],
      [{ queue: "query" }, queues.query],
      [{ queue: "memberlist" }, ml.queuedBroadcasts],
    ]),
    counter(
      "serfts_gossip_sent_bytes_total",
      "Bytes this node sent to gossip peers, by transport (encryption and labels included).",
      [[{ transport: "udp" }, net.udpBytesSent], [{ transport: "tcp" }, net.tcpBytesSent]],
    ),
    counter(
      "serfts_gossip_received_bytes_total",
      "Bytes this node received from gossip peers, by transport (encryption and labels included).",
      [[{ transport: "udp" }, net.udpBytesReceived], [{ transport: "tcp" }, net.tcpBytesReceived]],
    ),
    counter("serfts_gossip_packets_total", "Gossip datagrams this node sent and received.", [
      [{ direction: "sent" }, net.packetsSent],
      [{ direction: "received" }, net.packetsReceived],
    ]),
    counter(
      "serfts_malformed_messages_total",
      "Input dropped because it could not be decoded, decrypted or verified: memberlist = datagrams and streams, serf = Serf messages inside them.",
      [[{ layer: "memberlist" }, net.droppedBadInput], [{ layer: "serf" }, core.droppedMessages]],
    ),
    counter(
      "serfts_dropped_messages_total",
      "Well-formed work dropped to protect the node: events its consumer was too slow for, broadcasts pruned past the queue limit, push/pulls over the concurrency limit, TCP-only user messages over the stream limit.",
      [
        [{ reason: "event_queue_full" }, core.droppedEvents],
        [{ reason: "broadcast_queue_full" }, core.prunedBroadcasts],
        [{ reason: "push_pull_limit" }, net.pushPullsRejected],
        [{ reason: "tcp_stream_limit" }, net.userMessagesDropped],
      ],
    ),
    counter(
      "serfts_probe_tcp_fallbacks_total",
      "Probes answered only over the TCP fallback (UDP to that member is likely blocked).",
      [[{}, net.tcpFallbackSuccesses]],
    ),
    counter("serfts_user_events_sent_total", "User events this node started.", [[{}, core.userEventsSent]]),
    counter("serfts_queries_sent_total", "Queries this node started, internal ones included.", [[
      {},
      core.queriesSent,
    ]]),
    counter(
      "serfts_coordinate_resets_total",
      "Times Vivaldi reset this node's coordinate after it went bad.",
      [[
        {},
        serf.coordinateResets,
      ]],
    ),
    gauge(
      "serfts_coordinate_error",
      "Vivaldi's confidence in this node's coordinate (lower is better; 1.5 at start).",
      coord ? [[{}, coord.error]] : [],
    ),
    gauge("serfts_rpc_clients", "RPC clients connected now.", [[{}, rpcClients]]),
  ];
}

/**
 * Builds the `metricsText` the HTTP server serves at `/metrics`. Never throws
 * for a node that is not running yet: only the sink's families are written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PrometheusSink } from "./prometheus_sink.ts";
 * import { prometheusMetricsText } from "./prometheus_exporter.ts";
 *
 * const sink = new PrometheusSink();
 * const metricsText = prometheusMetricsText(sink, { serf: () => undefined, rpcClients: () => 0 });
 * sink.incrCounter(["agent", "ipc", "accept"], 1);
 * assert.match(metricsText(), /^serfts_rpc_connections_total 1$/m);
 * ```
 */
export function prometheusMetricsText(sink: PrometheusSink, source: PrometheusSource): () => string {
  return () => {
    const serf = source.serf();
    const scraped = serf && serf.state !== "shutdown" ? scrapeSerfFamilies(serf, source.rpcClients()) : [];
    return writePrometheusText([...scraped, ...sink.families()]);
  };
}
