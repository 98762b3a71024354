/**
 * The part go-metrics' statsd and statsite sinks share: metrics become statsd
 * lines in a bounded queue, a flush every 100 ms hands the queued lines to the
 * connection, and a broken or unreachable collector costs five seconds of
 * dropped metrics and a reconnect, never an error in the agent. Only how lines
 * travel differs (UDP datagrams, a TCP stream); that is the {@linkcode LineOutlet}.
 *
 * @module
 */
import type { Clock, Timer } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import type { MetricLabel, MetricsSink } from "../util/metrics.ts";
import { statsdLine } from "../util/statsd_line.ts";

/** An open connection to a collector. */
export interface LineOutlet {
  /** Sends queued lines, in order; rejects when the connection is broken. */
  send(lines: string[]): Promise<void>;
  /** Releases the connection; safe to call twice. */
  close(): Promise<void>;
}

/** Options for {@linkcode LineSink}; timings are go-metrics' constants. */
export interface LineSinkOptions {
  /** Collector kind for log lines: `statsd` or `statsite`. */
  name: string;
  /** Connects to the collector; a rejection is logged and retried after `retryDelayMs`. */
  open: () => Promise<LineOutlet>;
  clock: Clock;
  logger: Logger;
  /** Time between flushes of the queue. @default 100 */
  flushIntervalMs?: number;
  /** Pause after a failed connect or send, dropping metrics meanwhile. @default 5000 */
  retryDelayMs?: number;
  /** Lines held between flushes; more are dropped, as go-metrics' 4096-slot channel drops. @default 4096 */
  queueCapacity?: number;
}

/**
 * A {@linkcode MetricsSink} that ships statsd lines through a reconnecting outlet.
 *
 * @example Lines reach the outlet on the next flush
 * ```ts
 * import assert from "node:assert/strict";
 * import { silentLogger, VirtualClock } from "../../mod.ts";
 * import { LineSink } from "./line_sink.ts";
 *
 * const clock = new VirtualClock();
 * const sent: string[] = [];
 * const outlet = {
 *   send(lines: string[]) {
 *     sent.push(...lines);
 *     return Promise.resolve();
 *   },
 *   close: () => Promise.resolve(),
 * };
 * const sink = new LineSink({
 *   name: "statsd",
 *   open: () => Promise.resolve(outlet),
 *   clock,
 *   logger: silentLogger(),
 * });
 * await clock.advance(0);
 * sink.incrCounter(["serf-agent", "serf", "events"], 1);
 * await clock.advance(100);
 * assert.deepEqual(sent, ["serf-agent.serf.events:1.000000|c\n"]);
 * await sink.close();
 * ```
 */
export class LineSink implements MetricsSink {
  readonly #options: Required<LineSinkOptions>;
  #queue: string[] = [];
  #outlet: LineOutlet | undefined;
  /** While connecting, lines queue; while waiting to retry (or closed), they are dropped. */
  #state: "connecting" | "open" | "waiting" | "closed" = "connecting";
  #timer: Timer | undefined;
  #busy: Promise<void> = Promise.resolve();

  constructor(options: LineSinkOptions) {
    this.#options = { flushIntervalMs: 100, retryDelayMs: 5_000, queueCapacity: 4096, ...options };
    this.#busy = this.#connect();
  }

  setGauge(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    this.#push(key, value, "g", labels);
  }

  incrCounter(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    this.#push(key, value, "c", labels);
  }

  addSample(key: readonly string[], value: number, labels?: readonly MetricLabel[]): void {
    this.#push(key, value, "ms", labels);
  }

  /** Sends what is queued, then closes the connection and stops the timers. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    await this.#busy;
    this.#timer?.cancel();
    if (this.#state === "open") await this.#flush();
    this.#state = "closed";
    this.#queue = [];
    await this.#outlet?.close().catch(() => {});
    this.#outlet = undefined;
  }

  #push(
    key: readonly string[],
    value: number,
    type: "g" | "c" | "ms",
    labels?: readonly MetricLabel[],
  ): void {
    if (this.#state === "waiting" || this.#state === "closed") return;
    if (this.#queue.length >= this.#options.queueCapacity) return;
    this.#queue.push(statsdLine(key, value, type, labels));
  }

  async #connect(): Promise<void> {
    const { name, open, logger } = this.#options;
    this.#state = "connecting";
    try {
      const outlet = await open();
      if (this.#state !== "connecting") {
        await outlet.close().catch(() => {});
        return;
      }
      this.#outlet = outlet;
      this.#state = "open";
      this.#arm(this.#options.flushIntervalMs, () => this.#tick());
    } catch (err) {
      if (this.#state !== "connecting") return;
      logger.error(`Error connecting to ${name}! Err: ${errorMessage(err)}`);
      this.#backOff();
    }
  }

  #tick(): void {
    this.#busy = this.#flush().then(() => {
      if (this.#state === "open") this.#arm(this.#options.flushIntervalMs, () => this.#tick());
    });
  }

  async #flush(): Promise<void> {
    if (this.#queue.length === 0 || !this.#outlet) return;
    const lines = this.#queue;
    this.#queue = [];
    try {
      await this.#outlet.send(lines);
    } catch (err) {
      if (this.#state !== "open") return;
      this.#options.logger.error(`Error flushing to ${this.#options.name}! Err: ${errorMessage(err)}`);
      const outlet = this.#outlet;
      this.#outlet = undefined;
      await outlet.close().catch(() => {});
      this.#backOff();
    }
  }

  #backOff(): void {
    this.#state = "waiting";
    this.#queue = [];
    this.#arm(this.#options.retryDelayMs, () => {
      this.#busy = this.#connect();
    });
  }

  #arm(ms: number, fn: () => void): void {
    this.#timer = this.#options.clock.setTimer(ms, fn);
  }
}
