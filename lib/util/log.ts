/**
 * Logging in Serf's format: `2006/01/02 15:04:05 [LEVEL] subsystem: message`.
 * Operators grep these lines, so the shape matches the Go agent's output.
 *
 * @module
 */

/**
 * Levels in Serf's order of severity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Logger, type LogLevel } from "./log.ts";
 *
 * const level: LogLevel = "DEBUG";
 * const logger = new Logger({ level, sink: () => {} });
 * assert.equal(logger.enabled("DEBUG"), true);
 * assert.equal(logger.enabled("TRACE"), false);
 * ```
 */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERR";

const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERR: 4 };

/**
 * Where formatted lines go.
 *
 * @example Collecting lines in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { Logger, type LogSink } from "./log.ts";
 *
 * const lines: string[] = [];
 * const sink: LogSink = (line) => lines.push(line);
 * new Logger({ sink, subsystem: "serf" }).info("EventMemberJoin: a 127.0.0.1");
 * assert.equal(lines.length, 1);
 * assert.match(lines[0]!, /\[INFO\] serf: EventMemberJoin: a 127\.0\.0\.1$/);
 * ```
 */
export type LogSink = (line: string) => void;

/** Parses a level name as Serf accepts it (case-insensitive; `ERROR` and `WARNING` too). */
export function parseLogLevel(name: string): LogLevel {
  const up = name.trim().toUpperCase();
  if (up === "ERROR") return "ERR";
  if (up === "WARNING") return "WARN";
  if (up in LEVEL_RANK) return up as LogLevel;
  throw new RangeError(
    `Cannot use log level: expected one of TRACE, DEBUG, INFO, WARN, ERR: current value is ${name}`,
  );
}

/** The last second formatted: a busy agent logs many lines a second, and Date's local-time getters are slow. */
let lastLogTime = { second: NaN, text: "" };

/** Formats a timestamp as Go's `log` package does (local time). */
export function formatLogTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === lastLogTime.second) return lastLogTime.text;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  const text = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
  lastLogTime = { second, text };
  return text;
}

/**
 * A leveled logger. Cheap to create; `child` prefixes a subsystem name.
 * Lines below the minimum level are dropped before formatting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Logger } from "./log.ts";
 *
 * const lines: string[] = [];
 * const logger = new Logger({ level: "WARN", sink: (line) => lines.push(line) });
 * logger.info("dropped: below WARN");
 * logger.child("memberlist").warn("Was able to connect to b over TCP but UDP probes failed");
 * assert.equal(lines.length, 1);
 * assert.match(lines[0]!, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[WARN\] memberlist: Was able/);
 * ```
 */
export class Logger {
  #sink: LogSink;
  #minLevel: LogLevel;
  #subsystem: string;
  #now: () => number;

  /**
   * A logger writing lines at or above a minimum level to a sink.
   * @param options `sink` (default: `console.error`), minimum `level` (default `INFO`),
   * `subsystem` prefix (default none) and the wall-clock source `now` (default `Date.now`).
   */
  constructor(options: { sink?: LogSink; level?: LogLevel; subsystem?: string; now?: () => number } = {}) {
    this.#sink = options.sink ?? ((line) => console.error(line));
    this.#minLevel = options.level ?? "INFO";
    this.#subsystem = options.subsystem ?? "";
    this.#now = options.now ?? Date.now;
  }

  /** A logger writing to the same sink with another subsystem prefix (`memberlist`, `serf`, `agent`). */
  child(subsystem: string): Logger {
    return new Logger({ sink: this.#sink, level: this.#minLevel, subsystem, now: this.#now });
  }

  /** True if a line at `level` would be written. */
  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.#minLevel];
  }

  /** Writes `message` at `level` as one Serf-format line, unless the level is below the minimum. */
  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const prefix = this.#subsystem ? `${this.#subsystem}: ` : "";
    this.#sink(`${formatLogTime(this.#now())} [${level}] ${prefix}${message}`);
  }

  /** Writes `message` at `TRACE`. */
  trace(message: string): void {
    this.log("TRACE", message);
  }
  /** Writes `message` at `DEBUG`. */
  debug(message: string): void {
    this.log("DEBUG", message);
  }
  /** Writes `message` at `INFO`. */
  info(message: string): void {
    this.log("INFO", message);
  }
  /** Writes `message` at `WARN`. */
  warn(message: string): void {
    this.log("WARN", message);
  }
  /** Writes `message` at `ERR`, Serf's name for the error level. */
  error(message: string): void {
    this.log("ERR", message);
  }
}

/**
 * A logger that writes nothing, for tests and embedders that do not want output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { silentLogger } from "./log.ts";
 *
 * const logger = silentLogger();
 * logger.warn("nobody hears this");
 * assert.equal(logger.enabled("WARN"), false);
 * ```
 */
export function silentLogger(): Logger {
  return new Logger({ sink: () => {}, level: "ERR" });
}

/**
 * Limits how often a repeated condition is logged, per key (for example per sender
 * of bad packets), so a flood of garbage cannot flood the log.
 */
export class RateLimitedLog {
  #last = new Map<string, number>();
  #suppressed = new Map<string, number>();

  /**
   * @param logger where lines go
   * @param intervalMs minimum time between two lines for one key
   * @param now the time source (the protocol's clock)
   */
  constructor(private logger: Logger, private intervalMs: number, private now: () => number) {}

  /** Logs `message` unless a line with this key was written within the interval. */
  log(level: LogLevel, key: string, message: string): void {
    const t = this.now();
    const last = this.#last.get(key);
    if (last !== undefined && t - last < this.intervalMs) {
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      return;
    }
    const skipped = this.#suppressed.get(key) ?? 0;
    this.#suppressed.delete(key);
    if (this.#last.size > 1024) this.#last.clear(); // bound memory under a spray of senders
    this.#last.set(key, t);
    this.logger.log(level, skipped > 0 ? `${message} (${skipped} similar suppressed)` : message);
  }
}
