/**
 * Serf's keyring file (`-keyring-file`): a JSON array of base64 keys, primary
 * first, which lets a node restart with the keys installed at runtime by
 * `serf keys`. Written as Go's `json.MarshalIndent(keys, "", "  ")` (two-space
 * indent, no trailing newline), so serfts and `serf agent` share the file.
 *
 * Error messages are Serf's own, so an operator sees the same text from either agent.
 *
 * @module
 */
import { encodeKeyBase64, Keyring, parseKeyBase64 } from "../memberlist/keyring.ts";
import { errorMessage } from "../util/errors.ts";
import { goFsError } from "../util/go_fs_error.ts";
import { goJsonSyntaxError } from "../util/go_json_error.ts";
import { nodeSnapshotFs, type SnapshotFs } from "./snapshot_fs.ts";

/** Permissions of a newly created keyring file: key material is readable by the owner only. */
export const KEYRING_FILE_MODE = 0o600;

/** Go's JSON decoder turns invalid UTF-8 into U+FFFD rather than failing; so do we. */
const utf8 = new TextDecoder("utf-8");

/** Options for {@linkcode loadKeyringFile} and {@linkcode saveKeyringFile}. */
export interface KeyringFileOptions {
  /** File access. @default nodeSnapshotFs() */
  fs?: SnapshotFs;
}

/**
 * Reads a keyring file into a keyring whose primary key is the file's first key.
 *
 * @example
 * ```ts
 * import { loadKeyringFile, saveKeyringFile } from "./keyring_file.ts";
 * import { MemorySnapshotFs } from "./snapshot_fs.ts";
 * import assert from "node:assert/strict";
 *
 * const fs = new MemorySnapshotFs();
 * saveKeyringFile("/keys.json", [new Uint8Array(16).fill(1)], { fs });
 * assert.equal(loadKeyringFile("/keys.json", { fs }).getKeys().length, 1);
 * ```
 * @throws {Error} with Serf's messages: the file is missing or unreadable, is not
 * a JSON array of strings (`Failed to decode keyring file: ...`), holds invalid
 * base64 (`Failed to decode key from keyring: ...`), holds no keys (`Keyring file
 * contains no keys`), or holds a key that is not 16, 24 or 32 bytes
 * (`Failed to restore keyring: ...`).
 */
export function loadKeyringFile(path: string, options: KeyringFileOptions = {}): Keyring {
  const fs = options.fs ?? nodeSnapshotFs();
  let data: Uint8Array | null;
  try {
    data = fs.readFile(path);
  } catch (err) {
    throw new Error(`Failed to read keyring file: ${errorMessage(err)}`, { cause: err });
  }
  if (data === null) throw new Error(`stat ${path}: no such file or directory`);
  const texts = parseKeyList(data);
  const keys = texts.map((text) => {
    try {
      return parseKeyBase64(text);
    } catch (err) {
      if (!(err instanceof SyntaxError)) return decodeSizeUnchecked(text);
      throw new Error(`Failed to decode key from keyring: ${goBase64Message(err)}`, { cause: err });
    }
  });
  if (keys.length === 0) throw new Error("Keyring file contains no keys");
  try {
    return new Keyring(keys, keys[0]!);
  } catch (err) {
    throw new Error(`Failed to restore keyring: ${goKeySizeMessage(err)}`, { cause: err });
  }
}

/**
 * Writes a keyring's keys (primary first, as `Keyring.getKeys()` returns them)
 * to the file, replacing it atomically (a temporary file, fsync, rename: a
 * crash leaves the old keys or the new, where Serf's in-place rewrite could
 * leave a torn file). A new file gets mode 0600; like Serf, an existing file
 * keeps its permissions.
 *
 * @param keys a keyring, or its keys with the primary first
 * @throws {Error} `Failed to write keyring file: ...` when the file cannot be written.
 * @example The file is what `serf agent` writes: a JSON array, two-space indent
 * ```ts
 * import assert from "node:assert/strict";
 * import { Keyring } from "../memberlist/keyring.ts";
 * import { saveKeyringFile } from "./keyring_file.ts";
 * import { MemorySnapshotFs } from "./snapshot_fs.ts";
 *
 * const fs = new MemorySnapshotFs();
 * const key = new Uint8Array(16).fill(1);
 * saveKeyringFile("/keys.json", new Keyring([key], key), { fs });
 * const text = new TextDecoder().decode(fs.readFile("/keys.json")!);
 * assert.equal(text, '[\n  "AQEBAQEBAQEBAQEBAQEBAQ=="\n]');
 * ```
 */
export function saveKeyringFile(
  path: string,
  keys: readonly Uint8Array[] | { getKeys(): readonly Uint8Array[] },
  options: KeyringFileOptions = {},
): void {
  const fs = options.fs ?? nodeSnapshotFs();
  if (!Array.isArray(keys)) keys = (keys as { getKeys(): readonly Uint8Array[] }).getKeys();
  const list = keys as readonly Uint8Array[];
  const text = list.length === 0 ? "[]" : `[\n${list.map((k) => `  "${encodeKeyBase64(k)}"`).join(",\n")}\n]`;
  try {
    fs.replace(path, new TextEncoder().encode(text), KEYRING_FILE_MODE);
  } catch (err) {
    throw new Error(`Failed to write keyring file: ${goFsError("open", path, err)}`, { cause: err });
  }
}

/** Go's `json.Unmarshal` into `[]string`: `null` is an empty list; anything else must be an array of strings. */
function parseKeyList(data: Uint8Array): string[] {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(data));
  } catch (err) {
    const text = goJsonSyntaxError(utf8.decode(data), "unmarshal") ?? errorMessage(err);
    throw new Error(`Failed to decode keyring file: ${text}`, { cause: err });
  }
  if (value === null) return [];
  // encoding/json's type errors: the JSON kind found, and the Go type it was decoded into.
  const refuse = (found: unknown, into: string) =>
    new Error(
      `Failed to decode keyring file: json: cannot unmarshal ${
        jsonKind(found)
      } into Go value of type ${into}`,
    );
  if (!Array.isArray(value)) throw refuse(value, "[]string");
  const wrong = value.find((item) => typeof item !== "string" && item !== null);
  if (wrong !== undefined) throw refuse(wrong, "string");
  return value.map((item) => item ?? "");
}

/** The JSON kind of a parsed value, as encoding/json names it in type errors. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v === "number" || typeof v === "string" ? typeof v : "object";
}

/** parseKeyBase64 also checks the size; Serf reports that later, when building the keyring. */
function decodeSizeUnchecked(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replace(/[\r\n]/g, "")), (c) => c.charCodeAt(0));
}

/** Keeps Go's wording ("illegal base64 data at input byte N") without our "Cannot decode ..." prefix. */
function goBase64Message(err: Error): string {
  const at = err.message.indexOf("illegal base64");
  return at >= 0 ? err.message.slice(at) : err.message;
}

/** memberlist's wording for a bad key or an empty primary key. */
function goKeySizeMessage(err: unknown): string {
  if (errorMessage(err).includes("empty primary key")) return "Empty primary key not allowed";
  return err instanceof RangeError ? "key size must be 16, 24 or 32 bytes" : errorMessage(err);
}
