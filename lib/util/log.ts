/**
 * Logging in Serf's format: `2006/01/02 15:04:05 [LEVEL] subsystem: message`.
 * Operators grep these lines, so the shape matches the Go agent's output.
 *
 * @module
 */

/** Levels in Serf's order of severity. */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERR";

const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERR: 4 };

/** Where formatted lines go. */
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
 */
export class Logger {
  #sink: LogSink;
  #minLevel: LogLevel;
  #subsystem: string;
  #now: () => number;

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

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const prefix = this.#subsystem ? `${this.#subsystem}: ` : "";
    this.#sink(`${formatLogTime(this.#now())} [${level}] ${prefix}${message}`);
  }

  trace(message: string): void {
    this.log("TRACE", message);
  }
  debug(message: string): void {
    this.log("DEBUG", message);
  }
  info(message: string): void {
    this.log("INFO", message);
  }
  warn(message: string): void {
    this.log("WARN", message);
  }
  error(message: string): void {
    this.log("ERR", message);
  }
}

/** A logger that writes nothing, for tests and embedders that do not want output. */
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
