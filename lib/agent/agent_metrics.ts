/**
 * The agent's telemetry as `serf agent` sets it up (its setupTelemetry): a
 * `serf-agent` service prefix, the host name on gauges, runtime gauges every
 * second, and the statsite and statsd sinks that `statsite_addr` and
 * `statsd_addr` name. Without either address nothing is recorded.
 *
 * @module
 */
import type { Address, Stream } from "../transport/transport.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { FanoutSink, Metrics, type MetricsSink, NO_METRICS } from "../util/metrics.ts";
import type { MemoryFigures } from "../platform/node_memory.ts";
import type { UdpSender } from "../platform/node_udp.ts";
import type { AgentConfig } from "./config.ts";
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
}

/** Running telemetry; close it when the agent stops. */
export interface AgentMetrics {
  /** Give this to `Agent.create` and the RPC server. */
  readonly metrics: Metrics;
  /** Stops the runtime poll, sends what is queued and closes the sinks. */
  close(): Promise<void>;
}

/**
 * Starts the sinks `config` asks for. Never throws for a bad or unreachable
 * address: the sink logs and retries, as Serf's does.
 *
 * @example Without sink addresses telemetry is off
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyAgentConfig } from "./config.ts";
 * import { startAgentMetrics } from "./agent_metrics.ts";
 * import { RealClock, silentLogger } from "../../mod.ts";
 *
 * const telemetry = startAgentMetrics(emptyAgentConfig(), {
 *   clock: new RealClock(),
 *   logger: silentLogger(),
 *   hostName: "web1",
 *   openUdp: () => Promise.reject(new Error("unused")),
 *   dial: () => Promise.reject(new Error("unused")),
 *   readMemory: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
 * });
 * assert.equal(telemetry.metrics.enabled, false);
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
  if (sinks.length === 0) return { metrics: NO_METRICS, close: () => Promise.resolve() };

  const sink: MetricsSink = sinks.length === 1 ? sinks[0]! : new FanoutSink(sinks);
  const metrics = new Metrics(sink, {
    serviceName: AGENT_SERVICE_NAME,
    hostName: parts.hostName,
    now: () => clock.now(),
  });
  const stopRuntime = startRuntimeMetrics(metrics, clock, parts.readMemory);
  return {
    metrics,
    async close() {
      stopRuntime();
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
