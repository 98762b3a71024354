/**
 * The agent's tags file (`-tags-file`): a JSON object of tags, rewritten
 * whenever the tags change, so tags set at runtime survive a restart. Written
 * as Go's `json.MarshalIndent(tags, "", "  ")` writes it (keys sorted, two-space
 * indent, `<`, `>` and `&` escaped, no trailing newline), so serfts and `serf
 * agent` can share the file.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { goFsError } from "../util/go_fs_error.ts";
import { goJsonSyntaxError } from "../util/go_json_error.ts";

/** Tags may be sensitive: a new tags file is readable by its owner only. */
export const TAGS_FILE_MODE = 0o600;

/**
 * Reads a tags file; a missing file means no tags yet.
 * @returns the tags, or undefined when the file does not exist
 * @throws {Error} `Failed to read tags file: ...` or `Failed to decode tags file: ...`
 */
export async function loadTagsFile(
  path: string,
  fs: Pick<Platform, "readFile" | "stat">,
): Promise<Record<string, string> | undefined> {
  if ((await fs.stat(path).catch(() => null)) === null) return undefined;
  let data: Uint8Array;
  try {
    data = await fs.readFile(path);
  } catch (err) {
    throw new Error(`Failed to read tags file: ${goFsError("open", path, err)}`, { cause: err });
  }
  let value: unknown;
  const text = new TextDecoder().decode(data);
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = goJsonSyntaxError(text, "unmarshal") ?? (err as Error).message;
    throw new Error(`Failed to decode tags file: ${message}`, { cause: err });
  }
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `Failed to decode tags file: json: cannot unmarshal ${
        jsonKind(value)
      } into Go value of type map[string]string`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string") {
      throw new Error(
        `Failed to decode tags file: json: cannot unmarshal ${jsonKind(v)} into Go value of type string`,
      );
    }
    tags[k] = v;
  }
  return tags;
}

/**
 * Replaces the tags file's contents with `tags`, atomically (see
 * {@linkcode Platform.writeFile}): a kill mid-write leaves the old tags or the new.
 * @throws {Error} `Failed to write tags file: ...`
 */
export async function writeTagsFile(
  path: string,
  tags: Record<string, string>,
  fs: Pick<Platform, "writeFile">,
): Promise<void> {
  try {
    await fs.writeFile(path, new TextEncoder().encode(encodeTags(tags)), TAGS_FILE_MODE);
  } catch (err) {
    throw new Error(`Failed to write tags file: ${goFsError("open", path, err)}`, { cause: err });
  }
}

/**
 * Tags as Go's `json.MarshalIndent(tags, "", "  ")` encodes them.
 *
 * @example
 * ```ts
 * import { encodeTags } from "./tags_file.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(encodeTags({ role: "web", dc: "a<b" }), '{\n  "dc": "a\\u003cb",\n  "role": "web"\n}');
 * ```
 */
export function encodeTags(tags: Record<string, string>): string {
  const keys = Object.keys(tags).sort(compareUtf8);
  if (keys.length === 0) return "{}";
  const lines = keys.map((k) => `  ${goJsonString(k)}: ${goJsonString(tags[k]!)}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/** Go's JSON string encoding: HTML-safe, and U+2028/U+2029 escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

function compareUtf8(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}
