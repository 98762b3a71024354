/**
 * The little file access Serf's snapshot and keyring files need, behind an
 * interface so the engine never touches `Deno.*` or `Bun.*`, and tests run on
 * memory.
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
    rename: (from, to) => fs().renameSync(from, to),
    remove: (path) => fs().unlinkSync(path),
  };
}

/** One file's contents: handles point at it, like an inode, so a removed file's handle writes nowhere visible. */
interface MemoryEntry {
  data: Uint8Array;
  mode: number;
  syncs: number;
}

/**
 * An in-memory {@linkcode SnapshotFs} for tests and simulations, with switches
 * to make operations fail.
 *
 * @example
 * ```ts
 * import { MemorySnapshotFs } from "./snapshot_fs.ts";
 * import assert from "node:assert/strict";
 *
 * const fs = new MemorySnapshotFs();
 * const f = fs.openAppend("/snap", 0o644);
 * f.write(new TextEncoder().encode("clock: 1\n"));
 * f.close();
 * assert.equal(fs.text("/snap"), "clock: 1\n");
 * ```
 */
export class MemorySnapshotFs implements SnapshotFs {
  #files = new Map<string, MemoryEntry>();
  /** When true, every write and sync throws (a full or failing disk). */
  failWrites = false;
  /** When true, `remove` and `rename` throw. */
  failRenames = false;

  readFile(path: string): Uint8Array | null {
    return this.#files.get(path)?.data.slice() ?? null;
  }

  openAppend(path: string, mode: number): MemoryFileHandle {
    return new MemoryFileHandle(this, this.#entry(path, mode, false));
  }

  openTruncate(path: string, mode: number): MemoryFileHandle {
    return new MemoryFileHandle(this, this.#entry(path, mode, true));
  }

  rename(from: string, to: string): void {
    this.#maybeFail(this.failRenames, "rename", from);
    const entry = this.#files.get(from);
    if (!entry) throw new Error(`rename ${from} ${to}: no such file or directory`);
    this.#files.delete(from);
    this.#files.set(to, entry);
  }

  remove(path: string): void {
    this.#maybeFail(this.failRenames, "remove", path);
    if (!this.#files.delete(path)) throw new Error(`remove ${path}: no such file or directory`);
  }

  /** Writes a file outright (test setup). */
  writeText(path: string, text: string, mode = 0o644): void {
    this.#files.set(path, { data: new TextEncoder().encode(text), mode, syncs: 0 });
  }

  /** A file's contents as text, or null when missing. */
  text(path: string): string | null {
    const entry = this.#files.get(path);
    return entry ? new TextDecoder().decode(entry.data) : null;
  }

  /** Permission bits a file was created with, or null when missing. */
  mode(path: string): number | null {
    return this.#files.get(path)?.mode ?? null;
  }

  /** How many times a file was fsynced. */
  syncs(path: string): number {
    return this.#files.get(path)?.syncs ?? 0;
  }

  /** Paths that exist, sorted. */
  paths(): string[] {
    return [...this.#files.keys()].sort();
  }

  /** @internal used by {@linkcode MemoryFileHandle} */
  maybeFailWrite(what: string): void {
    this.#maybeFail(this.failWrites, what, "file");
  }

  #entry(path: string, mode: number, truncate: boolean): MemoryEntry {
    let entry = this.#files.get(path);
    if (!entry) {
      entry = { data: new Uint8Array(), mode, syncs: 0 };
      this.#files.set(path, entry);
    } else if (truncate) {
      entry.data = new Uint8Array();
    }
    return entry;
  }

  #maybeFail(fail: boolean, op: string, path: string): void {
    if (fail) throw new Error(`${op} ${path}: input/output error`);
  }
}

/** A handle on a {@linkcode MemorySnapshotFs} file. */
export class MemoryFileHandle implements SnapshotFile {
  #closed = false;

  constructor(private fs: MemorySnapshotFs, private entry: MemoryEntry) {}

  write(data: Uint8Array): void {
    this.#check();
    this.fs.maybeFailWrite("write");
    const grown = new Uint8Array(this.entry.data.length + data.length);
    grown.set(this.entry.data);
    grown.set(data, this.entry.data.length);
    this.entry.data = grown;
  }

  sync(): void {
    this.#check();
    this.fs.maybeFailWrite("sync");
    this.entry.syncs++;
  }

  close(): void {
    this.#check();
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new Error("file already closed");
  }
}
