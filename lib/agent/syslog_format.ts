/**
 * What the agent's syslog output looks like, as Serf 0.9.4 writes it through
 * go-syslog to a local socket: `<PRI>Mmm _d hh:mm:ss serf[pid]: agent: ...`.
 * PRI is facility * 8 + severity (RFC 3164); the severity comes from the log
 * line's `[LEVEL]`, one step milder than its name (INFO is `notice`), and the
 * message is the line after `[LEVEL] `, without Serf's own date.
 *
 * @module
 */

/**
 * Facility codes by the names `syslog_facility` accepts (case-insensitive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SYSLOG_FACILITIES } from "./syslog_format.ts";
 * assert.equal(SYSLOG_FACILITIES.LOCAL0, 16);
 * ```
 */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  KERN: 0,
  USER: 1,
  MAIL: 2,
  DAEMON: 3,
  AUTH: 4,
  SYSLOG: 5,
  LPR: 6,
  NEWS: 7,
  UUCP: 8,
  CRON: 9,
  AUTHPRIV: 10,
  FTP: 11,
  LOCAL0: 16,
  LOCAL1: 17,
  LOCAL2: 18,
  LOCAL3: 19,
  LOCAL4: 20,
  LOCAL5: 21,
  LOCAL6: 22,
  LOCAL7: 23,
};

/** Syslog severities (RFC 3164), most severe first. */
export const SEVERITY = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;

/** Severity of each Serf log level; anything else (no level, unknown level) is `notice`, as in Serf. */
const LEVEL_SEVERITY: Readonly<Record<string, number>> = {
  TRACE: SEVERITY.debug,
  DEBUG: SEVERITY.info,
  INFO: SEVERITY.notice,
  WARN: SEVERITY.warning,
  ERR: SEVERITY.err,
  CRIT: SEVERITY.crit,
};

/** The tag Serf's agent logs under; serfts keeps it so syslog filters written for Serf still match. */
export const SYSLOG_TAG = "serf";

/**
 * The facility code for `name`, which Serf matches case-insensitively.
 * @throws {Error} `invalid syslog facility: NAME` (Serf's text, upper-cased as Serf prints it)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSyslogFacility } from "./syslog_format.ts";
 * assert.equal(parseSyslogFacility("local1"), 17);
 * assert.throws(() => parseSyslogFacility("foo"), /invalid syslog facility: FOO/);
 * ```
 */
export function parseSyslogFacility(name: string): number {
  const upper = name.toUpperCase();
  const code = SYSLOG_FACILITIES[upper];
  if (code === undefined) throw new Error(`invalid syslog facility: ${upper}`);
  return code;
}

/**
 * Splits a Serf log line into its syslog severity and message. Like Serf, the
 * level is the text in the first `[...]`, and the message starts two characters
 * after its `]` (past the space); a line without brackets goes whole, as `notice`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syslogMessage } from "./syslog_format.ts";
 * assert.deepEqual(syslogMessage("2026/12/02 05:10:00 [WARN] memberlist: slow"), {
 *   severity: 4,
 *   message: "memberlist: slow",
 * });
 * ```
 */
export function syslogMessage(line: string): { severity: number; message: string } {
  const open = line.indexOf("[");
  const close = open < 0 ? -1 : line.indexOf("]", open);
  if (close < 0) return { severity: SEVERITY.notice, message: line };
  const level = line.slice(open + 1, close);
  return { severity: LEVEL_SEVERITY[level] ?? SEVERITY.notice, message: line.slice(close + 2) };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Local time as Go's `time.Stamp` layout (`Jan _2 15:04:05`): the day is padded with a space. */
export function syslogTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  const day = String(d.getDate()).padStart(2, " ");
  return `${MONTHS[d.getMonth()]} ${day} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One message for a local syslog socket. */
export interface SyslogRecord {
  /** Facility code (see {@linkcode SYSLOG_FACILITIES}). */
  facility: number;
  /** Severity code (see {@linkcode SEVERITY}). */
  severity: number;
  /** Wall-clock time in milliseconds. */
  timeMs: number;
  tag: string;
  pid: number;
  message: string;
}

/**
 * Formats a message as go-syslog does for a local socket: no host name, and
 * a newline appended unless the message already ends with one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSyslogLine } from "./syslog_format.ts";
 * const line = formatSyslogLine({
 *   facility: 16,
 *   severity: 5,
 *   timeMs: new Date(2026, 11, 2, 5, 10, 0).getTime(),
 *   tag: "serf",
 *   pid: 42,
 *   message: "agent: Serf agent starting",
 * });
 * assert.equal(line, "<133>Dec  2 05:10:00 serf[42]: agent: Serf agent starting\n");
 * ```
 */
export function formatSyslogLine(r: SyslogRecord): string {
  const nl = r.message.endsWith("\n") ? "" : "\n";
  return `<${r.facility * 8 + r.severity}>${syslogTimestamp(r.timeMs)} ${r.tag}[${r.pid}]: ${r.message}${nl}`;
}
