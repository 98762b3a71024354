/**
 * The raw results of a run and their reduction to table rows: medians per
 * kind and the ratios serfts/serf (and mixed/serf), below 1 meaning serfts
 * needs less.
 */
import type { ClusterMeasurement } from "./cluster.ts";
import type { IdleSample } from "./idle.ts";
import type { Kind } from "./kinds.ts";
import type { Machine } from "./machine.ts";
import type { BenchConfig } from "./options.ts";
import type { RpcBenchResult } from "./rpc.ts";
import type { RttSample } from "./rtt.ts";
import { median, ratio } from "./stats.ts";

/** A cluster of one kind, or half and half. */
export type ClusterKind = Kind | "mixed";

/** One cluster run. */
export interface ClusterRun {
  kind: ClusterKind;
  size: number;
  round: number;
  m: ClusterMeasurement;
}

/** Everything one `deno task bench` measured. */
export interface BenchResults {
  date: string;
  machine: Machine;
  config: BenchConfig;
  versions: { serf: string; serfts: string; serftsRunner: string; commit: string };
  clusters: ClusterRun[];
  idle: IdleSample[];
  startup: Record<Kind, number[]>;
  rtt: RttSample[];
  rpc?: RpcBenchResult;
  rpcError?: string;
  durationS: number;
}

/** One line of a results table. */
export interface Row {
  metric: string;
  unit: string;
  digits: number;
  serf: number;
  serfts: number;
  /** Undefined where no mixed cluster applies. */
  mixed?: number;
}

/** The cluster metrics, in table order. */
export const CLUSTER_METRICS: {
  key: keyof ClusterMeasurement;
  label: string;
  unit: string;
  digits: number;
}[] = [
  { key: "convergeMs", label: "join convergence", unit: "ms", digits: 0 },
  { key: "failureMs", label: "failure detection after SIGKILL", unit: "ms", digits: 0 },
  { key: "eventMs", label: "user event to every handler", unit: "ms", digits: 0 },
  { key: "queryMs", label: "query, all responses", unit: "ms", digits: 0 },
  { key: "bytesPerAgentPerSec", label: "bytes sent per agent per s", unit: "B/s", digits: 0 },
  { key: "cpuPercentPerAgent", label: "CPU per agent (steady)", unit: "% core", digits: 2 },
  { key: "rssMbPerAgent", label: "RSS per agent", unit: "MB", digits: 1 },
  { key: "falseFailures", label: "live peers declared failed (false alarms)", unit: "count", digits: 0 },
];

/** Median of one cluster metric over the rounds of a kind and size. */
export function clusterMedian(
  r: BenchResults,
  kind: ClusterKind,
  size: number,
  key: keyof ClusterMeasurement,
): number {
  return median(r.clusters.filter((c) => c.kind === kind && c.size === size).map((c) => c.m[key]));
}

/** Rows for the cluster metrics of one size. */
export function clusterRows(r: BenchResults, size: number): Row[] {
  return CLUSTER_METRICS.map((m) => ({
    metric: `${m.label}, ${size} agents`,
    unit: m.unit,
    digits: m.digits,
    serf: clusterMedian(r, "serf", size, m.key),
    serfts: clusterMedian(r, "serfts", size, m.key),
    mixed: m.key === "convergeMs" || m.key === "failureMs" || m.key === "eventMs"
      ? clusterMedian(r, "mixed", size, m.key)
      : undefined,
  }));
}

/** Rows for everything that is not a cluster: idle, start-up, RPC, rtt. */
export function soloRows(r: BenchResults): Row[] {
  const idle = (kind: Kind, key: "rssMb" | "cpuTicks") =>
    median(r.idle.filter((s) => s.kind === kind).map((s) => s[key]));
  const rows: Row[] = [
    {
      metric: "lone idle agent, RSS",
      unit: "MB",
      digits: 1,
      serf: idle("serf", "rssMb"),
      serfts: idle("serfts", "rssMb"),
    },
    {
      metric: `lone idle agent, CPU over ${r.config.idleMs / 1000} s`,
      unit: "ticks",
      digits: 0,
      serf: idle("serf", "cpuTicks"),
      serfts: idle("serfts", "cpuTicks"),
    },
    {
      metric: "exec to first answered RPC members",
      unit: "ms",
      digits: 0,
      serf: median(r.startup.serf),
      serfts: median(r.startup.serfts),
    },
  ];
  const rpc = r.rpc;
  const ts = rpc?.targets.serfts ?? rpc?.targets["serfts-deno"];
  const o = rpc?.options;
  rows.push(
    {
      metric: `${o?.events ?? r.config.rpcEvents} user events pipelined on one RPC connection`,
      unit: "ms",
      digits: 1,
      serf: rpc?.targets.serf?.eventsMs ?? NaN,
      serfts: ts?.eventsMs ?? NaN,
    },
    {
      metric: `${o?.membersSequential ?? 50} x members (${
        o?.memberCount ?? r.config.rpcMembers
      } members), sequential`,
      unit: "ms",
      digits: 1,
      serf: rpc?.targets.serf?.membersSequentialMs ?? NaN,
      serfts: ts?.membersSequentialMs ?? NaN,
    },
  );
  const est = (kind: Kind) => median(r.rtt.map((s) => s.estimateMs[kind]));
  const dist = (kind: Kind) => median(r.rtt.map((s) => Math.abs(s.estimateMs[kind] - s.pingMs)));
  rows.push(
    {
      metric: `rtt estimate between two nodes (ping ${pingText(r)})`,
      unit: "ms",
      digits: 3,
      serf: est("serf"),
      serfts: est("serfts"),
    },
    {
      metric: "rtt estimate, distance from ping",
      unit: "ms",
      digits: 3,
      serf: dist("serf"),
      serfts: dist("serfts"),
    },
  );
  return rows;
}

function pingText(r: BenchResults): string {
  const p = median(r.rtt.map((s) => s.pingMs));
  return Number.isFinite(p) ? `${p.toFixed(3)} ms` : "n/a";
}

/** serfts/serf of a row. */
export function rowRatio(row: Row): number {
  return ratio(row.serfts, row.serf);
}
