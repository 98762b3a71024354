/**
 * Go's `*os.PathError` wording for a failed file operation, built from the
 * POSIX code the runtime attaches (`ENOENT`, `EACCES` ...). Serf puts these
 * texts in its errors (`Failed to write tags file: open /x: permission
 * denied`), some of which RPC clients see, so both agents must word them alike.
 *
 * @module
 */

/** Go's `syscall.Errno` texts for the file errors an agent meets. */
const FS_ERRNO_TEXTS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
};

/**
 * `op path: reason` as Go prints a `*os.PathError`; an error without a known
 * code keeps its own message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goFsError } from "./go_fs_error.ts";
 *
 * const err = Object.assign(new Error("Is a directory (os error 21)"), { code: "EISDIR" });
 * assert.equal(goFsError("open", "/etc", err), "open /etc: is a directory");
 * ```
 */
export function goFsError(op: string, path: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const known = typeof code === "string" ? FS_ERRNO_TEXTS[code] : undefined;
  return known ? `${op} ${path}: ${known}` : (err as Error)?.message ?? String(err);
}
