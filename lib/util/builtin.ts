/**
 * Loads a `node:` builtin module on first use. A static `import` of a builtin
 * is hoisted to the top of a bundle and evaluated at start even when the code
 * path that needs it never runs, and each one (`node:crypto`, `node:dgram`,
 * `node:fs`, `node:child_process` ...) costs the compiled agent 3-10 MB of
 * resident memory. `process.getBuiltinModule` (Deno 2, Bun) loads it
 * synchronously, so callers stay synchronous.
 *
 * @module
 */

interface BuiltinLoader {
  getBuiltinModule(name: string): unknown;
}

/**
 * A getter that loads the builtin `name` on its first call and returns the same module after.
 * Pair it with a type-only import (`import type * as NodeOs from "node:os"`) so nothing loads at start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type * as NodePath from "node:path";
 * import { lazyBuiltin } from "./builtin.ts";
 * const path = lazyBuiltin<typeof NodePath>("node:path");
 * assert.equal(path().basename("/a/b"), "b");
 * ```
 */
export function lazyBuiltin<T>(name: string): () => T {
  let mod: T | undefined;
  return () =>
    mod ??= (globalThis as unknown as { process: BuiltinLoader }).process.getBuiltinModule(name) as T;
}
