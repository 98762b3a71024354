/**
 * The little file access Serf's snapshot and keyring files need, behind an
 * interface so the engine never touches `Deno.*`, `Bun.*` or `node:fs`, and
 * tests run on memory (lib/serf/snapshot_fs.ts has the in-memory one).
 *
 * The interface is synchronous on purpose: snapshot lines are small, written
 * from the engine's synchronous event path, and must land in order; a
 * synchronous append keeps ordering trivial and leaves no promise to await at
 * shutdown. Serf itself only forces data to disk (fsync) on leave, shutdown and
 * compaction, so blocking is rare and short.
 *
 * @module
 */
import type * as NodeFs from "node:fs";
import { lazyBuiltin } from "../util/builtin.ts";
import { replaceFileSync } from "./atomic_write.ts";

/** Loaded when a snapshot is opened. */
const fs = lazyBuiltin<typeof NodeFs>("node:fs");

/** An open file handle. */
export interface SnapshotFile {
  /** Writes all of `data` at the end of the file. */
  write(data: Uint8Array): void;
  /** Forces written data to stable storage (fsync). */
  sync(): void;
  close(): void;
}

/** File operations used by the snapshot and keyring files. Errors are thrown as the runtime reports them. */
export interface SnapshotFs {
  /** The whole file, or null when it does not exist. */
  readFile(path: string): Uint8Array | null;
  /** Opens for appending; creates the file with permission bits `mode` when missing. */
  openAppend(path: string, mode: number): SnapshotFile;
  /** Opens for writing from the start, truncating; creates the file with `mode` when missing. */
  openTruncate(path: string, mode: number): SnapshotFile;
  /**
   * Replaces the whole file with `data` atomically: a crash leaves the old or
   * the new contents, never a mix. A new file gets `mode`; an existing one keeps its permissions.
   */
  replace(path: string, data: Uint8Array, mode: number): void;
  /** Renames `from` to `to`, replacing `to`. */
  rename(from: string, to: string): void;
  remove(path: string): void;
}

/**
 * The real file system through `node:fs`, which Deno and Bun both provide, so
 * one implementation serves both runtimes.
 */
export function nodeSnapshotFs(): SnapshotFs {
  const open = (path: string, flags: string, mode: number): SnapshotFile => {
    const fd = fs().openSync(path, flags, mode);
    return {
      write(data) {
        let done = 0;
        while (done < data.length) done += fs().writeSync(fd, data, done, data.length - done);
      },
      sync: () => fs().fsyncSync(fd),
      close: () => fs().closeSync(fd),
    };
  };
  return {
    readFile(path) {
      try {
        const b = fs().readFileSync(path);
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return null;
        throw err;
      }
    },
    openAppend: (path, mode) => open(path, "a", mode),
    openTruncate: (path, mode) => open(path, "w", mode),
    replace: replaceFileSync,
    rename: (from, to) => fs().renameSync(from, to),
    remove: (path) => fs().unlinkSync(path),
  };
}
