/**
 * The agent's log fan-out: every line the agent logs, at every level, lands
 * here; the console and RPC `monitor` clients subscribe with their own minimum
 * level. The last lines are kept in a ring so a new subscriber first sees
 * recent history, as `serf monitor` does.
 *
 * @module
 */
import type { LogLevel } from "../util/log.ts";

const LEVELS: readonly LogLevel[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERR"];

/**
 * Whether `line` passes a `min` level filter. The level is the text inside
 * the first `[...]` of the line; lines with no bracket or an unknown level
 * pass (Serf's logutils rule), so handler output spanning lines is not lost.
 */
export function levelAllows(min: LogLevel, line: string): boolean {
  const open = line.indexOf("[");
  if (open < 0) return true;
  const close = line.indexOf("]", open);
  if (close < 0) return true;
  const level = line.slice(open + 1, close) as LogLevel;
  const rank = LEVELS.indexOf(level);
  return rank < 0 || rank >= LEVELS.indexOf(min);
}

/** Receives log lines (without a trailing newline). Must not block; exceptions are ignored. */
export type LogSubscriber = (line: string) => void;

/** A ring of recent log lines plus live subscribers. */
export class LogWriter {
  #ring: string[];
  #next = 0;
  #filled = false;
  #subscribers = new Map<LogSubscriber, { level: LogLevel }>();

  /** @param capacity lines kept for late subscribers (Serf keeps 512) */
  constructor(capacity = 512) {
    this.#ring = new Array(capacity).fill("");
  }

  /** Stores a line and hands it to every subscriber whose level admits it. */
  write(line: string): void {
    const text = line.endsWith("\n") ? line.slice(0, -1) : line;
    this.#ring[this.#next] = text;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#next === 0) this.#filled = true;
    for (const [fn, { level }] of this.#subscribers) {
      if (!levelAllows(level, text)) continue;
      try {
        fn(text);
      } catch {
        // A broken subscriber must not break logging for everyone else.
      }
    }
  }

  /** Recent lines, oldest first. */
  recent(): string[] {
    return this.#filled
      ? [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)]
      : this.#ring.slice(0, this.#next);
  }

  /**
   * Subscribes `fn` to lines at `level` or above; with `replay`, it first gets
   * the buffered recent lines that pass the filter.
   * @returns a function that unsubscribes
   */
  subscribe(level: LogLevel, fn: LogSubscriber, replay = true): () => void {
    if (replay) {
      for (const line of this.recent()) {
        if (levelAllows(level, line)) {
          try {
            fn(line);
          } catch {
            // see write()
          }
        }
      }
    }
    this.#subscribers.set(fn, { level });
    return () => void this.#subscribers.delete(fn);
  }

  /** Changes a subscriber's level (SIGHUP reload of the console's level). */
  setLevel(fn: LogSubscriber, level: LogLevel): void {
    const sub = this.#subscribers.get(fn);
    if (sub) sub.level = level;
  }
}
