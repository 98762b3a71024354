/**
 * Serf's snapshot file: an append-only log of the members seen alive and of
 * the three Lamport clocks, so a restarted node can rejoin the nodes it knew
 * and does not replay old events or queries. The format is Serf 0.9.4's, so
 * serfts and `serf agent` can read each other's snapshots:
 *
 * ```
 * alive: <name> <ip:port>     a member joined (the name may contain spaces; the address may not)
 * not-alive: <name>           it left or failed
 * clock: <n>                  member clock, last time seen (current - 1)
 * event-clock: <n>            highest user-event LTime seen
 * query-clock: <n>            highest query LTime seen
 * leave                       we left: forget everything above (unless rejoinAfterLeave)
 * # serfts-failed: {json}     serfts: a member that failed, for the reconnect loop (see snapshot_failed.ts)
 * # ...                       comment; "coordinate: ..." lines of old Serf versions are skipped
 * ```
 *
 * Lines are buffered and written when a line is appended more than 500 ms
 * after the previous write (or the buffer passes 4 KiB), and by the 500 ms
 * clock tick when lines wait (Serf leaves them until the next line); user-event and query
 * clocks are written at once, so a killed agent does not replay events it
 * had delivered (serf#465). Data reaches the disk
 * (fsync) only on leave, close and compaction, exactly as in Serf. When the
 * file grows past max(128 KiB, 256 bytes per alive node) it is rewritten as
 * alive lines plus the clocks.
 *
 * @module
 */
import { formatAddress } from "../util/addr.ts";
import type { Clock, Timer } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { goFsError } from "../util/go_fs_error.ts";
import { Logger } from "../util/log.ts";
import { type Metrics, NO_METRICS } from "../util/metrics.ts";
import { type Random, shuffle, systemRandom } from "../util/random.ts";
import type { LamportTime } from "./lamport.ts";
import type { SnapshotFile, SnapshotFs } from "./snapshot_fs.ts";
import { failedLine, type FailedRecord } from "./snapshot_failed.ts";
import { replaySnapshot } from "./snapshot_replay.ts";
import type { MemberEventType } from "./types.ts";

export { MemorySnapshotFs, nodeSnapshotFs, type SnapshotFile, type SnapshotFs } from "./snapshot_fs.ts";

/** Serf's `snapshotSizeLimit`: the smallest size that triggers compaction. */
export const SNAPSHOT_MIN_COMPACT_SIZE = 128 * 1024;
/** A line appended this long after the last write triggers a write (Serf's `flushInterval`). */
export const SNAPSHOT_FLUSH_INTERVAL_MS = 500;
/** How often the member clock is checked and recorded (Serf's `clockUpdateInterval`). */
export const SNAPSHOT_CLOCK_UPDATE_INTERVAL_MS = 500;
/** After a failed append, compaction is retried at most this often (Serf's `snapshotErrorRecoveryInterval`). */
export const SNAPSHOT_ERROR_RECOVERY_INTERVAL_MS = 30_000;
/** Compaction threshold per alive node: Serf's 128 estimated bytes times a factor of 2. */
const BYTES_PER_NODE_THRESHOLD = 128 * 2;
/** bufio.Writer's default size: Serf's buffered lines are written once this much piles up. */
const WRITE_BUFFER_BYTES = 4096;
/** Suffix of the temporary file written during compaction. */
const COMPACT_EXT = ".compact";
/**
 * Permissions of created files. Serf creates the log with 0644 but its
 * compacted replacement with 0755; serfts uses 0600 for both: the snapshot
 * maps the cluster (every member's name and address) and no one but the
 * agent's user needs to read it, nor execute it.
 */
const FILE_MODE = 0o600;

/** A member that was alive when the snapshot was written: rejoin candidates. */
export interface PreviousNode {
  name: string;
  /** `ip:port`, `[ipv6]:port` for IPv6. */
  addr: string;
}

/** The member fields a snapshot records. */
export interface SnapshotMember {
  name: string;
  /** IP literal. */
  addr: string;
  port: number;
  /** Kept for failed members, so a restarted agent lists them as they were. */
  tags?: Record<string, string>;
}

/** The events a snapshot records; the engine's member, user and query events fit this shape. */
export type SnapshotEvent =
  | {
    type: MemberEventType;
    members: readonly SnapshotMember[];
  }
  | { type: "user"; lTime: LamportTime }
  | { type: "query"; lTime: LamportTime };

/** Options for {@linkcode Snapshotter.open}. */
export interface SnapshotOptions {
  /** The snapshot file. */
  path: string;
  fs: SnapshotFs;
  /** Drives the clock tick and the write cadence. */
  clock: Clock;
  /** The member Lamport clock, read on every tick and member event. */
  lamport: { time(): LamportTime };
  /** @default a stderr logger with subsystem "serf" */
  logger?: Logger;
  /** Keep the alive nodes and clocks across a leave, to rejoin after restarting. @default false */
  rejoinAfterLeave?: boolean;
  /** Size below which the file is never compacted. @default {131072} Serf's snapshotSizeLimit */
  minCompactSize?: number;
  /** Shuffles {@linkcode Snapshotter.aliveNodes}. @default systemRandom */
  random?: Random;
  /** Where append and compaction timings go (`serf.snapshot.*`). @default NO_METRICS */
  metrics?: Metrics;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes and replays a snapshot file. {@linkcode Snapshotter.open} replays the
 * file; then the engine reports member events, user-event and query times,
 * and finally `leave()` and/or `close()`. Every method is synchronous; write
 * failures are logged, never thrown, as Serf keeps running without its snapshot.
 *
 * @example
 * ```ts
 * import { MemorySnapshotFs, Snapshotter } from "./snapshot.ts";
 * import { LamportClock } from "./lamport.ts";
 * import { VirtualClock } from "../util/clock.ts";
 * import { silentLogger } from "../util/log.ts";
 * import assert from "node:assert/strict";
 *
 * const fs = new MemorySnapshotFs();
 * fs.writeText("/snap", "alive: web-1 10.0.0.1:7946\nclock: 8\n");
 * const lamport = new LamportClock(9);
 * const snap = Snapshotter.open({ path: "/snap", fs, clock: new VirtualClock(), lamport, logger: silentLogger() });
 * assert.deepEqual(snap.aliveNodes(), [{ name: "web-1", addr: "10.0.0.1:7946" }]);
 * assert.equal(snap.lastClock, 8);
 * snap.close();
 * ```
 */
export class Snapshotter {
  #o: Required<SnapshotOptions>;
  #alive = new Map<string, string>();
  #failed = new Map<string, FailedRecord>();
  #file: SnapshotFile | undefined;
  #buffer: string[] = [];
  #bufferBytes = 0;
  #writeError: unknown;
  #offset = 0;
  #lastFlush = -Infinity;
  #lastCompactAttempt = -Infinity;
  #ticker: Timer | undefined;
  #leaving = false;
  #closed = false;
  lastClock: LamportTime = 0;
  lastEventClock: LamportTime = 0;
  lastQueryClock: LamportTime = 0;

  private constructor(options: SnapshotOptions) {
    this.#o = {
      logger: new Logger({ subsystem: "serf" }),
      rejoinAfterLeave: false,
      minCompactSize: SNAPSHOT_MIN_COMPACT_SIZE,
      random: systemRandom,
      metrics: NO_METRICS,
      ...options,
    };
  }

  /**
   * Opens (creating if needed) and replays the snapshot, then starts the clock tick.
   * @throws {Error} `failed to open snapshot: ...` when the file cannot be opened or read.
   */
  static open(options: SnapshotOptions): Snapshotter {
    const snap = new Snapshotter(options);
    let data: Uint8Array;
    try {
      snap.#file = options.fs.openAppend(options.path, FILE_MODE);
      data = options.fs.readFile(options.path) ?? new Uint8Array();
    } catch (err) {
      snap.#file?.close();
      throw new Error(`failed to open snapshot: ${goFsError("open", options.path, err)}`, { cause: err });
    }
    snap.#offset = data.length;
    const replayed = replaySnapshot(decoder.decode(data), snap.#o);
    snap.#alive = replayed.alive;
    snap.#failed = replayed.failed;
    snap.lastClock = replayed.lastClock;
    snap.lastEventClock = replayed.lastEventClock;
    snap.lastQueryClock = replayed.lastQueryClock;
    snap.#tick();
    return snap;
  }

  /** Members alive at the end of the replay, shuffled so restarts do not all rejoin the same node. */
  aliveNodes(): PreviousNode[] {
    return shuffle(this.#o.random, [...this.#alive].map(([name, addr]) => ({ name, addr })));
  }

  /** Members failed (not left, not reaped) at the end of the replay, for the reconnect loop (serf#333). */
  failedNodes(): FailedRecord[] {
    return [...this.#failed.values()];
  }

  /** Records any event as Serf's snapshotter does: member events, then user-event and query clocks. */
  record(event: SnapshotEvent): void {
    if (event.type === "user") this.recordEventClock(event.lTime);
    else if (event.type === "query") this.recordQueryClock(event.lTime);
    else this.recordMemberEvent(event);
  }

  /**
   * Records a member event as Serf does: joins as `alive:` lines, leaves and
   * failures as `not-alive:` lines, and for every type a check of the member clock.
   */
  recordMemberEvent(event: { type: string; members: readonly SnapshotMember[] }): void {
    if (this.#leaving || this.#closed) return;
    if (event.type === "member-join") {
      for (const m of event.members) {
        const addr = formatAddress({ host: m.addr, port: m.port });
        this.#alive.set(m.name, addr);
        this.#failed.delete(m.name);
        this.#tryAppend(`alive: ${m.name} ${addr}\n`);
      }
    } else if (event.type === "member-leave" || event.type === "member-failed") {
      for (const m of event.members) {
        this.#alive.delete(m.name);
        this.#failed.delete(m.name);
        this.#tryAppend(`not-alive: ${m.name}\n`);
        if (event.type === "member-failed") {
          const addr = formatAddress({ host: m.addr, port: m.port });
          const rec = { name: m.name, addr, tags: { ...m.tags }, at: this.#o.clock.wallNow() };
          this.#failed.set(m.name, rec);
          this.#tryAppend(failedLine(rec), true); // rare, and what a restart must not lose
        }
      }
    } else if (event.type === "member-reap") {
      // A reaped member is forgotten: Serf reads this line as a no-op.
      for (const m of event.members) {
        if (this.#failed.delete(m.name)) this.#tryAppend(`not-alive: ${m.name}\n`);
      }
    }
    this.updateClock();
  }

  /**
   * Records a user event's LTime, if newer than any recorded. Written through
   * at once, before any handler sees the event: an agent killed right after
   * must not deliver the event again when it restarts (serf#465; Serf buffers
   * the line and replays).
   */
  recordEventClock(lTime: LamportTime): void {
    if (this.#leaving || this.#closed || lTime <= this.lastEventClock) return;
    this.lastEventClock = lTime;
    this.#tryAppend(`event-clock: ${lTime}\n`, true);
  }

  /** Records a query's LTime, if newer than any recorded; written through, as event clocks are. */
  recordQueryClock(lTime: LamportTime): void {
    if (this.#leaving || this.#closed || lTime <= this.lastQueryClock) return;
    this.lastQueryClock = lTime;
    this.#tryAppend(`query-clock: ${lTime}\n`, true);
  }

  /**
   * Records the member clock's last used time (current - 1) when it advanced.
   * Runs every 500 ms by itself, after every member event, and at close; also
   * after a leave, as in Serf, so a `clock:` line may follow `leave`.
   */
  updateClock(): void {
    if (this.#closed) return;
    const lastSeen = this.#o.lamport.time() - 1;
    if (lastSeen > this.lastClock) {
      this.lastClock = lastSeen;
      this.#tryAppend(`clock: ${lastSeen}\n`);
    }
  }

  /**
   * Marks a graceful leave: forgets the alive nodes (unless `rejoinAfterLeave`),
   * appends `leave`, and forces it to disk. Later member events, user events and
   * queries are not recorded.
   */
  leave(): void {
    if (this.#closed) return;
    this.#leaving = true;
    if (!this.#o.rejoinAfterLeave) {
      this.#alive.clear();
      this.#failed.clear();
    }
    this.#tryAppend("leave\n");
    this.#flushAndSync("leave");
  }

  /** Records the clock one last time, writes and fsyncs what is buffered, and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.updateClock();
    this.#closed = true;
    this.#ticker?.cancel();
    this.#flushAndSync("snapshot");
    try {
      this.#file?.close();
    } catch (err) {
      this.#o.logger.error(`failed to close snapshot: ${errorMessage(err)}`);
    }
    this.#file = undefined;
  }

  #tick(): void {
    this.#ticker = this.#o.clock.setTimer(SNAPSHOT_CLOCK_UPDATE_INTERVAL_MS, () => {
      this.updateClock();
      // Serf writes held lines only when another line comes: a member that failed
      // just before a quiet spell (and a kill) would be lost. We write them on the tick.
      if (!this.#closed && this.#buffer.length > 0 && this.#writeError === undefined) {
        this.#lastFlush = this.#o.clock.now();
        this.#flushHeld();
      }
      if (!this.#closed) this.#tick();
    });
  }

  /** Writes held lines; a failure is logged and sticks until a compaction. */
  #flushHeld(): void {
    try {
      this.#flush();
    } catch (err) {
      this.#o.logger.error(`Failed to update snapshot: ${errorMessage(err)}`);
    }
  }

  #flushAndSync(what: string): void {
    try {
      this.#flush();
    } catch (err) {
      this.#o.logger.error(`failed to flush ${what} to snapshot: ${errorMessage(err)}`);
    }
    try {
      this.#file?.sync();
    } catch (err) {
      this.#o.logger.error(`failed to sync ${what} to snapshot: ${errorMessage(err)}`);
    }
  }

  /** Appends a line; on failure logs and, at most every 30 s, tries a compaction to recover. */
  /** @param writeThrough write the buffer to the file now (the OS keeps it across a kill) */
  #tryAppend(line: string, writeThrough = false): void {
    try {
      this.#timed("appendLine", () => this.#appendLine(line, writeThrough));
    } catch (err) {
      this.#o.logger.error(`Failed to update snapshot: ${errorMessage(err)}`);
      const now = this.#o.clock.now();
      if (now - this.#lastCompactAttempt <= SNAPSHOT_ERROR_RECOVERY_INTERVAL_MS) return;
      this.#lastCompactAttempt = now;
      this.#o.logger.info("Attempting compaction to recover from error...");
      try {
        this.#timed("compact", () => this.#compact());
        this.#o.logger.info("Finished compaction, successfully recovered from error state");
      } catch (err2) {
        this.#o.logger.error(
          `Compaction failed, will reattempt after ${SNAPSHOT_ERROR_RECOVERY_INTERVAL_MS / 1000}s: ${
            errorMessage(err2)
          }`,
        );
      }
    }
  }

  #appendLine(line: string, writeThrough: boolean): void {
    if (this.#writeError !== undefined) throw this.#writeError;
    const n = encoder.encode(line).length;
    this.#buffer.push(line);
    this.#bufferBytes += n;
    const now = this.#o.clock.now();
    if (writeThrough || now - this.#lastFlush > SNAPSHOT_FLUSH_INTERVAL_MS) {
      this.#lastFlush = now;
      this.#flush();
    } else if (this.#bufferBytes >= WRITE_BUFFER_BYTES) {
      this.#flush();
    }
    this.#offset += n;
    if (this.#offset > this.#maxSize()) this.#timed("compact", () => this.#compact());
  }

  /** Runs `fn` and reports its duration as `serf.snapshot.<what>`, as Serf times appends and compactions. */
  #timed(what: string, fn: () => void): void {
    const started = this.#o.metrics.start();
    try {
      fn();
    } finally {
      this.#o.metrics.measureSince(["serf", "snapshot", what], started);
    }
  }

  /** Writes the buffered lines. A failure sticks, like Go's bufio.Writer, until a compaction replaces the file. */
  #flush(): void {
    if (this.#writeError !== undefined) throw this.#writeError;
    if (this.#buffer.length === 0) return;
    if (!this.#file) throw new Error("snapshot file is not open");
    try {
      this.#file.write(encoder.encode(this.#buffer.join("")));
    } catch (err) {
      this.#writeError = err;
      throw err;
    }
    this.#buffer = [];
    this.#bufferBytes = 0;
  }

  #maxSize(): number {
    return Math.max(this.#alive.size * BYTES_PER_NODE_THRESHOLD, this.#o.minCompactSize);
  }

  /** Rewrites the file as the alive nodes plus the three clocks, through a temporary file and a rename. */
  #compact(): void {
    const { fs, path } = this.#o;
    const tmp = path + COMPACT_EXT;
    let out: SnapshotFile;
    try {
      out = fs.openTruncate(tmp, FILE_MODE);
    } catch (err) {
      throw new Error(`failed to open new snapshot: ${errorMessage(err)}`, { cause: err });
    }
    let text = "";
    for (const [name, addr] of this.#alive) text += `alive: ${name} ${addr}\n`;
    for (const rec of this.#failed.values()) text += `not-alive: ${rec.name}\n${failedLine(rec)}`;
    text +=
      `clock: ${this.lastClock}\nevent-clock: ${this.lastEventClock}\nquery-clock: ${this.lastQueryClock}\n`;
    const bytes = encoder.encode(text);
    try {
      out.write(bytes);
      out.sync();
    } catch (err) {
      out.close();
      throw new Error(`failed to flush new snapshot: ${errorMessage(err)}`, { cause: err });
    }
    out.close();

    // Serf closes, deletes and renames (Windows cannot rename over an open file); what was
    // still buffered is written to the old file, errors ignored, and discarded with it.
    try {
      this.#flush();
    } catch { /* the old file is about to be deleted */ }
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#writeError = undefined;
    try {
      this.#file?.close();
    } catch { /* closing a file we delete next */ }
    this.#file = undefined;
    try {
      fs.remove(path);
    } catch (err) {
      throw new Error(`failed to remove old snapshot: ${errorMessage(err)}`, { cause: err });
    }
    try {
      fs.rename(tmp, path);
    } catch (err) {
      throw new Error(`failed to install new snapshot: ${goFsError("rename", `${tmp} ${path}`, err)}`, {
        cause: err,
      });
    }
    try {
      this.#file = fs.openAppend(path, FILE_MODE);
    } catch (err) {
      throw new Error(`failed to open snapshot: ${goFsError("open", path, err)}`, { cause: err });
    }
    this.#offset = bytes.length;
    this.#lastFlush = this.#o.clock.now();
  }
}
