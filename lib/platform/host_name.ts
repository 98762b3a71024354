/**
 * The machine's host name, the default node name of memberlist and Serf (as in
 * Go's `os.Hostname()`), read through `node:os` so Deno and Bun agree.
 *
 * @module
 */
import type * as NodeOs from "node:os";
import { lazyBuiltin } from "../util/builtin.ts";

const os = lazyBuiltin<typeof NodeOs>("node:os");

/**
 * This host's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostName } from "./host_name.ts";
 * assert.ok(hostName().length > 0);
 * ```
 */
export function hostName(): string {
  return os().hostname();
}
