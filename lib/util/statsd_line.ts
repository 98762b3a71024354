/**
 * The statsd text format exactly as go-metrics writes it for Serf's statsd and
 * statsite sinks, so collectors and dashboards fed by `serf` read `serfts`
 * unchanged: `name:value|type\n`, the key segments (then label values) joined
 * with `.`, `:` and spaces turned into `_`, the value printed like Go's `%f`
 * of a float32 (six decimals).
 *
 * @module
 */
import type { MetricLabel } from "./metrics.ts";

/** statsd metric types: gauge, counter, timer/sample. */
export type StatsdType = "g" | "c" | "ms";

/**
 * Joins key segments and label values with `.`, replacing `:` and ` ` (which
 * would break the line format) with `_`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flattenMetricKey } from "./statsd_line.ts";
 *
 * assert.equal(flattenMetricKey(["serf", "events", "deploy: web 1"]), "serf.events.deploy__web_1");
 * assert.equal(flattenMetricKey(["a"], [{ name: "dc", value: "eu" }]), "a.eu");
 * ```
 */
export function flattenMetricKey(key: readonly string[], labels?: readonly MetricLabel[]): string {
  const parts = labels && labels.length > 0 ? [...key, ...labels.map((l) => l.value)] : key;
  return parts.join(".").replace(/[: ]/g, "_");
}

/**
 * Prints a value as Go's `fmt.Sprintf("%f", float32(v))`: rounded to float32
 * first (go-metrics carries float32), then six decimals, never an exponent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatGoFloat } from "./statsd_line.ts";
 *
 * assert.equal(formatGoFloat(1), "1.000000");
 * assert.equal(formatGoFloat(0.1), "0.100000");
 * assert.equal(formatGoFloat(16777217), "16777216.000000"); // float32 precision
 * assert.equal(formatGoFloat(1e22), "9999999778196308361216.000000");
 * ```
 */
export function formatGoFloat(value: number): string {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  // toFixed switches to exponent notation from 1e21; integers that large print exactly via BigInt.
  if (Math.abs(f) >= 1e21) return `${BigInt(f)}.000000`;
  return f.toFixed(6);
}

/**
 * One statsd line, newline included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statsdLine } from "./statsd_line.ts";
 *
 * assert.equal(statsdLine(["serf-agent", "memberlist", "gossip"], 0.25, "ms"), "serf-agent.memberlist.gossip:0.250000|ms\n");
 * ```
 */
export function statsdLine(
  key: readonly string[],
  value: number,
  type: StatsdType,
  labels?: readonly MetricLabel[],
): string {
  return `${flattenMetricKey(key, labels)}:${formatGoFloat(value)}|${type}\n`;
}

/** The largest UDP payload go-metrics' statsd sink sends (its statsdMaxLen). */
export const STATSD_MAX_PACKET_BYTES = 1400;

/**
 * Packs lines into datagrams the way go-metrics' statsd sink does: lines are
 * appended until the next one would push the packet past `maxBytes`, then the
 * packet goes out and a new one starts. A line is never split; one longer than
 * `maxBytes` travels alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packStatsdLines } from "./statsd_line.ts";
 *
 * const line = "x".repeat(9) + "\n"; // 10 bytes
 * const packets = packStatsdLines([line, line, line], 25);
 * assert.deepEqual(packets.map((p) => p.length), [20, 10]);
 * ```
 */
export function packStatsdLines(lines: readonly string[], maxBytes = STATSD_MAX_PACKET_BYTES): Uint8Array[] {
  const encoder = new TextEncoder();
  const packets: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  let size = 0;
  const close = () => {
    if (size === 0) return;
    const packet = new Uint8Array(size);
    let at = 0;
    for (const part of current) {
      packet.set(part, at);
      at += part.length;
    }
    packets.push(packet);
    current = [];
    size = 0;
  };
  for (const line of lines) {
    const bytes = encoder.encode(line);
    if (size + bytes.length > maxBytes) close();
    current.push(bytes);
    size += bytes.length;
  }
  close();
  return packets;
}
