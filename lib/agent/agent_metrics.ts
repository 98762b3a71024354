/**
 * The agent's telemetry as `serf agent` sets it up (its setupTelemetry): a
 * `serf-agent` service prefix, runtime gauges every second, an in-memory sink
 * dumped on SIGUSR1, and the statsite and statsd sinks that `statsite_addr`
 * and `statsd_addr` name. Gauges carry the host name only when one of those
 * sinks is configured, as in Serf. With `prometheus` set, a
 * {@linkcode PrometheusSink} joins the fan-out for `GET /metrics`.
 *
 * @module
 */
import type { Address, Stream } from "../transport/transport.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { FanoutSink, Metrics } from "../util/metrics.ts";
import type { MemoryFigures } from "../platform/node_memory.ts";
import type { UdpSender } from "../platform/node_udp.ts";
import type { AgentConfig } from "./config.ts";
import { InmemSink } from "./inmem_sink.ts";
import { PrometheusSink } from "./prometheus_sink.ts";
import type { LineSink } from "./line_sink.ts";
import { startRuntimeMetrics } from "./runtime_metrics.ts";
import { statsdSink } from "./statsd_sink.ts";
import { statsiteSink } from "./statsite_sink.ts";

/** Serf's service name: the first segment of every metric. */
export const AGENT_SERVICE_NAME = "serf-agent";

/** The runtime pieces the sinks need; the composition root picks them. */
export interface AgentMetricsParts {
  clock: Clock;
  /** Where sink failures are logged (Serf logs them with `[ERR]`). */
  logger: Logger;
  /** Inserted after the service name on gauges (Serf uses the OS host name). */
  hostName: string;
  openUdp: (host: string, port: number) => Promise<UdpSender>;
  dial: (to: Address, timeoutMs: number, clock: Clock) => Promise<Stream>;
  readMemory: () => MemoryFigures;
  /** Wall time for the in-memory sink's intervals. @default Date.now */
  wallNow?: () => number;
  /** Keep metrics for a Prometheus scrape (on when the HTTP API is). @default false */
  prometheus?: boolean;
}

/** Running telemetry; close it when the agent stops. */
export interface AgentMetrics {
  /** Give this to `Agent.create` and the RPC server. */
  readonly metrics: Metrics;
  /** The in-memory sink's finished intervals, as Serf prints them on SIGUSR1. */
  dump(): string;
  /** What `GET /metrics` reads (with `prometheusMetricsText`); undefined unless `prometheus` was set. */
  readonly prometheus: PrometheusSink | undefined;
  /** Stops the runtime poll, sends what is queued and closes the sinks. */
  close(): Promise<void>;
}

/**
 * Starts the in-memory sink and those `config` asks for. Never throws for a bad or unreachable
 * address: the sink logs and retries, as Serf's does.
 *
 * @example Without sink addresses metrics stay in memory, without the host name
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyAgentConfig } from "./config.ts";
 * import { startAgentMetrics } from "./agent_metrics.ts";
 * import { VirtualClock, silentLogger } from "../../mod.ts";
 *
 * let wall = Date.UTC(2026, 0, 1);
 * const telemetry = startAgentMetrics(emptyAgentConfig(), {
 *   clock: new VirtualClock(),
 *   logger: silentLogger(),
 *   hostName: "web1",
 *   openUdp: () => Promise.reject(new Error("unused")),
 *   dial: () => Promise.reject(new Error("unused")),
 *   readMemory: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
 *   wallNow: () => wall,
 * });
 * telemetry.metrics.setGauge(["memberlist", "health", "score"], 1);
 * wall += 10_000;
 * assert.match(telemetry.dump(), /\]\[G\] 'serf-agent\.memberlist\.health\.score': 1\.000/);
 * await telemetry.close();
 * ```
 */
export function startAgentMetrics(
  config: Pick<AgentConfig, "statsiteAddr" | "statsdAddr">,
  parts: AgentMetricsParts,
): AgentMetrics {
  const sinks: LineSink[] = [];
  const { clock, logger } = parts;
  if (config.statsiteAddr) sinks.push(statsiteSink(config.statsiteAddr, { clock, logger, dial: parts.dial }));
  if (config.statsdAddr) sinks.push(statsdSink(config.statsdAddr, { clock, logger, openUdp: parts.openUdp }));
  const inmem = new InmemSink(parts.wallNow ? { wallNow: parts.wallNow } : {});
  // Serf turns EnableHostname off when only the in-memory sink listens.
  const hostName = sinks.length > 0 ? parts.hostName : "";
  const prometheus = parts.prometheus
    ? new PrometheusSink({ serviceName: AGENT_SERVICE_NAME, hostName })
    : undefined;
  const metrics = new Metrics(new FanoutSink([...sinks, inmem, ...(prometheus ? [prometheus] : [])]), {
    serviceName: AGENT_SERVICE_NAME,
    hostName,
    now: () => clock.now(),
  });
  const stopRuntime = startRuntimeMetrics(metrics, clock, parts.readMemory);
  return {
    metrics,
    dump: () => inmem.dump(),
    prometheus,
    async close() {
      stopRuntime();
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
