/**
 * Reading a snapshot file back (Serf's format, plus serfts' failed-member
 * comments): which members were alive, which had failed, and the three
 * Lamport clocks, line by line as Serf's replay does.
 *
 * @module
 */
import type { Logger } from "../util/log.ts";
import type { LamportTime } from "./lamport.ts";
import { FAILED_LINE_PREFIX, type FailedRecord, parseFailedLine } from "./snapshot_failed.ts";

/** What a snapshot says, once replayed. */
export interface ReplayedSnapshot {
  /** Member name to `ip:port`, for those alive at the end. */
  alive: Map<string, string>;
  /** Members failed at the end (serfts' comment lines). */
  failed: Map<string, FailedRecord>;
  lastClock: LamportTime;
  lastEventClock: LamportTime;
  lastQueryClock: LamportTime;
}

/**
 * Rebuilds state from the file's lines; a last line without a newline (a torn
 * write) is ignored, as in Serf. Bad lines are logged and skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replaySnapshot } from "./snapshot_replay.ts";
 * import { silentLogger } from "../util/log.ts";
 * const r = replaySnapshot("alive: a 10.0.0.1:7946\nclock: 4\nnot-alive: a\nevent-clock: 2\n", {
 *   logger: silentLogger(),
 *   rejoinAfterLeave: false,
 * });
 * assert.deepEqual([r.alive.size, r.lastClock, r.lastEventClock], [0, 4, 2]);
 * ```
 */
export function replaySnapshot(
  text: string,
  options: { logger: Logger; rejoinAfterLeave: boolean },
): ReplayedSnapshot {
  const out: ReplayedSnapshot = {
    alive: new Map(),
    failed: new Map(),
    lastClock: 0,
    lastEventClock: 0,
    lastQueryClock: 0,
  };
  const log = options.logger;
  const lines = text.split("\n");
  lines.pop();
  for (const line of lines) {
    if (line.startsWith("alive: ")) {
      const info = line.slice("alive: ".length);
      const idx = info.lastIndexOf(" ");
      if (idx < 0) {
        log.warn(`Failed to parse address: ${line}`);
        continue;
      }
      out.alive.set(info.slice(0, idx), info.slice(idx + 1));
      out.failed.delete(info.slice(0, idx));
    } else if (line.startsWith("not-alive: ")) {
      out.alive.delete(line.slice("not-alive: ".length));
      out.failed.delete(line.slice("not-alive: ".length));
    } else if (line.startsWith("clock: ")) {
      const t = parseClock(line.slice("clock: ".length), "clock", log);
      if (t !== undefined) out.lastClock = t;
    } else if (line.startsWith("event-clock: ")) {
      const t = parseClock(line.slice("event-clock: ".length), "event clock", log);
      if (t !== undefined) out.lastEventClock = t;
    } else if (line.startsWith("query-clock: ")) {
      const t = parseClock(line.slice("query-clock: ".length), "query clock", log);
      if (t !== undefined) out.lastQueryClock = t;
    } else if (line.startsWith("coordinate: ")) {
      continue; // written by Serf before 0.8; coordinates re-converge instead
    } else if (line === "leave") {
      if (options.rejoinAfterLeave) {
        log.info("Ignoring previous leave in snapshot");
        continue;
      }
      out.alive.clear();
      out.failed.clear();
      out.lastClock = out.lastEventClock = out.lastQueryClock = 0;
    } else if (line.startsWith(FAILED_LINE_PREFIX)) {
      const rec = parseFailedLine(line);
      if (rec) out.failed.set(rec.name, rec);
      else log.warn(`Unrecognized snapshot line: ${line}`);
    } else if (!line.startsWith("#")) {
      log.warn(`Unrecognized snapshot line: ${line}`);
    }
  }
  return out;
}

/** Go's `strconv.ParseUint(s, 10, 64)`, further limited to what a JavaScript number holds exactly. */
function parseClock(text: string, what: string, log: Logger): LamportTime | undefined {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) {
    log.warn(`Failed to convert ${what} time: invalid or too large value ${JSON.stringify(text)}`);
    return undefined;
  }
  return n;
}
