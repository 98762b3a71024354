/**
 * Which of Serf's go-metrics keys the Prometheus sink keeps, and as what.
 * Every key is listed with its labels, so the number of series is fixed by
 * this table: keys that carry a user-chosen name (`serf.events.<name>`,
 * `serf.queries.<name>`, `agent.invoke.<script>`) are left out on purpose,
 * as Prometheus must not grow a series per event name.
 *
 * Timers arrive in milliseconds (go-metrics' unit) and are kept in seconds,
 * Prometheus' base unit.
 *
 * @module
 */
import type { PromLabels } from "./prometheus_text.ts";

/** A family the sink fills from emitted metrics. */
export interface SinkFamily {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  /** Histogram upper bounds, ascending (histograms only). */
  bounds?: readonly number[];
}

/** How one go-metrics key lands in a family. */
export interface KeyRule {
  family: SinkFamily;
  labels: PromLabels;
  /** The go-metrics call that carries the key; others with the same key are ignored. */
  via: "counter" | "gauge" | "sample";
  /** Multiplier from the emitted unit to the family's (1e-3 for ms to seconds). @default 1 */
  scale?: number;
}

/**
 * Network round trips: a UDP probe answered on loopback takes well under a
 * millisecond, an indirect probe or a push/pull over a WAN up to seconds, and
 * memberlist gives up at its timeouts (0.5 s probe, 10 s TCP).
 */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** How far one Vivaldi update moves our coordinate: tens of microseconds when settled, tens of ms when not. */
export const ADJUSTMENT_BOUNDS_SECONDS: readonly number[] = [
  0.00001,
  0.00005,
  0.0001,
  0.0005,
  0.001,
  0.005,
  0.01,
  0.05,
  0.1,
];

/** Snapshot file writes: an append is a buffered write, a compaction rewrites the file. */
export const SNAPSHOT_BOUNDS_SECONDS: readonly number[] = [
  0.0001,
  0.0005,
  0.001,
  0.005,
  0.01,
  0.05,
  0.1,
  0.5,
  1,
];

const PROBE: SinkFamily = {
  name: "serfts_probe_duration_seconds",
  help:
    "Time to probe one member (memberlist.probeNode): direct ping, indirect pings and TCP fallback until ack or timeout.",
  type: "histogram",
  bounds: LATENCY_BOUNDS_SECONDS,
};
const PUSH_PULL: SinkFamily = {
  name: "serfts_push_pull_duration_seconds",
  help: "Time of one full state exchange this node started (memberlist.pushPullNode), failures included.",
  type: "histogram",
  bounds: LATENCY_BOUNDS_SECONDS,
};
const GOSSIP: SinkFamily = {
  name: "serfts_gossip_duration_seconds",
  help: "Time of one gossip round (memberlist.gossip).",
  type: "histogram",
  bounds: LATENCY_BOUNDS_SECONDS,
};
const SUSPICIONS: SinkFamily = {
  name: "serfts_suspicions_total",
  help: "Members this node started to suspect (memberlist.msg.suspect).",
  type: "counter",
};
const STATE_CHANGES: SinkFamily = {
  name: "serfts_memberlist_state_changes_total",
  help:
    "Alive and dead updates that changed a member in this node's view (memberlist.msg.alive, memberlist.msg.dead).",
  type: "counter",
};
const DEGRADED: SinkFamily = {
  name: "serfts_memberlist_degraded_total",
  help:
    "Lifeguard slow-downs: probe = a probe interval stretched by a poor health score, timeout = a suspicion that timed out short of its confirmations.",
  type: "counter",
};
const TCP_CONNECTIONS: SinkFamily = {
  name: "serfts_gossip_tcp_connections_total",
  help:
    "Gossip streams accepted (inbound: push/pull, TCP probes, user messages) and dialled for push/pull (outbound), as memberlist.tcp.accept and memberlist.tcp.connect count them.",
  type: "counter",
};
const MEMBER_CHANGES: SinkFamily = {
  name: "serfts_member_changes_total",
  help:
    "Membership changes this node saw (serf.member.*); flap = a failed member back within the flap timeout.",
  type: "counter",
};
const EVENTS_RECEIVED: SinkFamily = {
  name: "serfts_user_events_received_total",
  help: "User events new to this node, from gossip, push/pull or itself (serf.events).",
  type: "counter",
};
const QUERIES_RECEIVED: SinkFamily = {
  name: "serfts_queries_received_total",
  help: "Queries new to this node, its own and internal ones included (serf.queries).",
  type: "counter",
};
const QUERY_ACKS: SinkFamily = {
  name: "serfts_query_acks_total",
  help: "Acks to this node's queries (serf.query_acks, serf.query_duplicate_acks).",
  type: "counter",
};
const QUERY_RESPONSES: SinkFamily = {
  name: "serfts_query_responses_total",
  help: "Responses to this node's queries (serf.query_responses, serf.query_duplicate_responses).",
  type: "counter",
};
const COORD_ADJUSTMENT: SinkFamily = {
  name: "serfts_coordinate_adjustment_seconds",
  help: "How far each Vivaldi update moved this node's coordinate (serf.coordinate.adjustment-ms).",
  type: "histogram",
  bounds: ADJUSTMENT_BOUNDS_SECONDS,
};
const COORD_REJECTED: SinkFamily = {
  name: "serfts_coordinate_rejected_total",
  help:
    "Vivaldi updates refused because a peer's coordinate or the round trip was unusable (serf.coordinate.rejected).",
  type: "counter",
};
const COORD_ZERO_RTT: SinkFamily = {
  name: "serfts_coordinate_zero_rtt_total",
  help: "Probe round trips measured as zero, which Vivaldi raises to its minimum (serf.coordinate.zero-rtt).",
  type: "counter",
};
const SNAPSHOT: SinkFamily = {
  name: "serfts_snapshot_duration_seconds",
  help: "Snapshot file work (serf.snapshot.appendLine, serf.snapshot.compact).",
  type: "histogram",
  bounds: SNAPSHOT_BOUNDS_SECONDS,
};
const RPC_CONNECTIONS: SinkFamily = {
  name: "serfts_rpc_connections_total",
  help: "RPC clients accepted since the agent started (agent.ipc.accept).",
  type: "counter",
};
const RPC_COMMANDS: SinkFamily = {
  name: "serfts_rpc_commands_total",
  help: "RPC requests read from clients (agent.ipc.command).",
  type: "counter",
};
const ALLOC_BYTES: SinkFamily = {
  name: "serfts_runtime_alloc_bytes",
  help: "Live JS heap and external memory, polled every second (runtime.alloc_bytes).",
  type: "gauge",
};
const SYS_BYTES: SinkFamily = {
  name: "serfts_runtime_sys_bytes",
  help: "Resident set size of the process, polled every second (runtime.sys_bytes).",
  type: "gauge",
};

const MS = 1e-3;

/**
 * Every go-metrics key the sink keeps, written as Serf's dotted name without
 * the service prefix or the host name.
 */
export const KEY_RULES: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>([
  ["memberlist.probeNode", { family: PROBE, labels: {}, via: "sample", scale: MS }],
  ["memberlist.pushPullNode", { family: PUSH_PULL, labels: {}, via: "sample", scale: MS }],
  ["memberlist.gossip", { family: GOSSIP, labels: {}, via: "sample", scale: MS }],
  ["memberlist.msg.suspect", { family: SUSPICIONS, labels: {}, via: "counter" }],
  ["memberlist.msg.alive", { family: STATE_CHANGES, labels: { state: "alive" }, via: "counter" }],
  ["memberlist.msg.dead", { family: STATE_CHANGES, labels: { state: "dead" }, via: "counter" }],
  ["memberlist.degraded.probe", { family: DEGRADED, labels: { reason: "probe" }, via: "counter" }],
  ["memberlist.degraded.timeout", { family: DEGRADED, labels: { reason: "timeout" }, via: "counter" }],
  ["memberlist.tcp.accept", { family: TCP_CONNECTIONS, labels: { direction: "inbound" }, via: "counter" }],
  ["memberlist.tcp.connect", { family: TCP_CONNECTIONS, labels: { direction: "outbound" }, via: "counter" }],
  ["serf.member.join", { family: MEMBER_CHANGES, labels: { change: "join" }, via: "counter" }],
  ["serf.member.failed", { family: MEMBER_CHANGES, labels: { change: "failed" }, via: "counter" }],
  ["serf.member.leaving", { family: MEMBER_CHANGES, labels: { change: "leaving" }, via: "counter" }],
  ["serf.member.left", { family: MEMBER_CHANGES, labels: { change: "left" }, via: "counter" }],
  ["serf.member.update", { family: MEMBER_CHANGES, labels: { change: "update" }, via: "counter" }],
  ["serf.member.flap", { family: MEMBER_CHANGES, labels: { change: "flap" }, via: "counter" }],
  ["serf.events", { family: EVENTS_RECEIVED, labels: {}, via: "counter" }],
  ["serf.queries", { family: QUERIES_RECEIVED, labels: {}, via: "counter" }],
  ["serf.query_acks", { family: QUERY_ACKS, labels: { duplicate: "false" }, via: "counter" }],
  ["serf.query_duplicate_acks", { family: QUERY_ACKS, labels: { duplicate: "true" }, via: "counter" }],
  ["serf.query_responses", { family: QUERY_RESPONSES, labels: { duplicate: "false" }, via: "counter" }],
  ["serf.query_duplicate_responses", {
    family: QUERY_RESPONSES,
    labels: { duplicate: "true" },
    via: "counter",
  }],
  ["serf.coordinate.adjustment-ms", { family: COORD_ADJUSTMENT, labels: {}, via: "sample", scale: MS }],
  ["serf.coordinate.rejected", { family: COORD_REJECTED, labels: {}, via: "counter" }],
  ["serf.coordinate.zero-rtt", { family: COORD_ZERO_RTT, labels: {}, via: "counter" }],
  ["serf.snapshot.appendLine", { family: SNAPSHOT, labels: { op: "append" }, via: "sample", scale: MS }],
  ["serf.snapshot.compact", { family: SNAPSHOT, labels: { op: "compact" }, via: "sample", scale: MS }],
  ["agent.ipc.accept", { family: RPC_CONNECTIONS, labels: {}, via: "counter" }],
  ["agent.ipc.command", { family: RPC_COMMANDS, labels: {}, via: "counter" }],
  ["runtime.alloc_bytes", { family: ALLOC_BYTES, labels: {}, via: "gauge" }],
  ["runtime.sys_bytes", { family: SYS_BYTES, labels: {}, via: "gauge" }],
]);
