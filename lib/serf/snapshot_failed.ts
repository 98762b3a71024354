/**
 * Failed members in the snapshot (serf#333). Serf writes `not-alive: NAME`
 * for a failure, so after a restart it has forgotten every member that was
 * down at the time and never tries them again. serfts also writes a comment
 * line with what the reconnect loop needs; Serf skips `#` lines, so the file
 * stays readable by Serf:
 *
 * ```text
 * not-alive: web-2
 * # serfts-failed: {"name":"web-2","addr":"10.0.0.2:7946","tags":{"role":"web"},"at":1764650000000}
 * ```
 *
 * A later `alive:` or `not-alive:` line for the name (a rejoin, a leave, a
 * reap) cancels it.
 *
 * @module
 */

/** A member that had failed, as the snapshot remembers it. */
export interface FailedRecord {
  name: string;
  /** `ip:port`, `[ipv6]:port` for IPv6. */
  addr: string;
  tags: Record<string, string>;
  /** When it failed, in wall-clock milliseconds (reaping continues across restarts). */
  at: number;
}

/** The comment prefix Serf ignores and serfts reads. */
export const FAILED_LINE_PREFIX = "# serfts-failed: ";

/**
 * The snapshot line for a failed member.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failedLine, parseFailedLine } from "./snapshot_failed.ts";
 * const rec = { name: "web-2", addr: "10.0.0.2:7946", tags: { role: "web" }, at: 5 };
 * assert.deepEqual(parseFailedLine(failedLine(rec).trimEnd()), rec);
 * ```
 */
export function failedLine(r: FailedRecord): string {
  return `${FAILED_LINE_PREFIX}${JSON.stringify({ name: r.name, addr: r.addr, tags: r.tags, at: r.at })}\n`;
}

/** Parses a line written by {@linkcode failedLine}; undefined when it is not one or is damaged. */
export function parseFailedLine(line: string): FailedRecord | undefined {
  if (!line.startsWith(FAILED_LINE_PREFIX)) return undefined;
  try {
    const v = JSON.parse(line.slice(FAILED_LINE_PREFIX.length)) as Partial<FailedRecord>;
    if (typeof v.name !== "string" || typeof v.addr !== "string" || typeof v.at !== "number") {
      return undefined;
    }
    const tags: Record<string, string> = {};
    for (const [k, t] of Object.entries(v.tags ?? {})) if (typeof t === "string") tags[k] = t;
    return { name: v.name, addr: v.addr, tags, at: v.at };
  } catch {
    return undefined;
  }
}
