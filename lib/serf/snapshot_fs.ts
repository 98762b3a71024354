/**
 * The file access of Serf's snapshot and keyring files: the interface and the
 * real file system live in the platform seam (lib/platform/snapshot_fs.ts);
 * here is the in-memory file system tests and simulations use.
 *
 * @module
 */
import type { SnapshotFile, SnapshotFs } from "../platform/snapshot_fs.ts";

export { nodeSnapshotFs, type SnapshotFile, type SnapshotFs } from "../platform/snapshot_fs.ts";

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

  replace(path: string, data: Uint8Array, mode: number): void {
    this.maybeFailWrite("write");
    const old = this.#files.get(path);
    this.#files.set(path, { data: data.slice(), mode: old?.mode ?? mode, syncs: (old?.syncs ?? 0) + 1 });
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
