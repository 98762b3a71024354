/**
 * Replacing a small file so that a crash at any moment (SIGKILL, power loss)
 * leaves either the old contents or the new, never a torn mix: the data goes
 * to a temporary file in the same directory, is forced to disk, and is renamed
 * over the target (rename is atomic within one file system); the directory is
 * then synced so the rename itself survives a power loss.
 *
 * Serf writes its keyring and tags files with Go's `ioutil.WriteFile`, which
 * truncates in place: a kill between truncate and write leaves an empty or
 * half-written file, and the agent then refuses to start. We keep Serf's file
 * contents and permissions (a new file gets `mode`; an existing file keeps its
 * permission bits; a symbolic link is followed and its target replaced) and
 * drop the torn window.
 *
 * Uses `node:fs`, which Deno and Bun both provide.
 *
 * @module
 */
import type * as NodeFs from "node:fs";
import type * as NodePath from "node:path";
import { lazyBuiltin } from "../util/builtin.ts";

const fs = lazyBuiltin<typeof NodeFs>("node:fs");
const nodePath = lazyBuiltin<typeof NodePath>("node:path");

/**
 * Replaces the file at `path` with `data`, atomically and durably.
 *
 * The temporary file is `<path>.tmp`, created with `mode`; one left behind by
 * a crash is overwritten by the next write. Callers in one process must not
 * write the same path concurrently (this function is synchronous, so they cannot).
 *
 * @param mode permission bits of a new file (an existing file keeps its own)
 * @throws {Error} as the runtime reports it (`EACCES`, `ENOSPC` ...), with the
 * target unchanged and the temporary file removed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replaceFileSync } from "./atomic_write.ts";
 *
 * const dir = Deno.makeTempDirSync();
 * replaceFileSync(`${dir}/tags.json`, new TextEncoder().encode("{}"), 0o600);
 * assert.equal(Deno.readTextFileSync(`${dir}/tags.json`), "{}");
 * assert.equal(Deno.statSync(`${dir}/tags.json`).mode! & 0o777, 0o600);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function replaceFileSync(path: string, data: Uint8Array, mode: number): void {
  const target = resolveLinks(path);
  const keepMode = existingMode(target);
  const tmp = `${target}.tmp`;
  const fd = fs().openSync(tmp, "w", 0o600);
  try {
    try {
      // A leftover temporary file keeps its old mode through open(); set it explicitly.
      fs().fchmodSync(fd, keepMode ?? mode);
      let done = 0;
      while (done < data.length) done += fs().writeSync(fd, data, done, data.length - done);
      fs().fsyncSync(fd);
    } finally {
      fs().closeSync(fd);
    }
    fs().renameSync(tmp, target);
  } catch (err) {
    try {
      fs().unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw err;
  }
  syncDirectory(nodePath().dirname(target));
}

/**
 * {@linkcode replaceFileSync} for callers that expect a promise (`Platform.writeFile`):
 * it rejects instead of throwing. The files are small, so the work stays synchronous.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replaceFile } from "./atomic_write.ts";
 *
 * const dir = Deno.makeTempDirSync();
 * await assert.rejects(replaceFile(`${dir}/missing/tags.json`, new Uint8Array(), 0o600));
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function replaceFile(path: string, data: Uint8Array, mode: number): Promise<void> {
  try {
    replaceFileSync(path, data, mode);
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The file a chain of symbolic links ends at (which may not exist yet), or `path` itself. */
function resolveLinks(path: string): string {
  try {
    return fs().realpathSync(path);
  } catch {
    return path;
  }
}

function existingMode(path: string): number | undefined {
  try {
    return fs().statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** Makes a rename in `dir` durable; best effort, as some file systems refuse to fsync a directory. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs().openSync(dir, "r");
    fs().fsyncSync(fd);
  } catch {
    // The data itself is synced; only the rename's durability across a power loss is at stake.
  } finally {
    if (fd !== undefined) fs().closeSync(fd);
  }
}
