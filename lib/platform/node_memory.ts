/**
 * The JS engine's memory figures, read through `node:process`, which Deno and
 * Bun both provide. The agent turns them into Go's runtime gauges.
 *
 * @module
 */
import type * as NodeProcess from "node:process";
import { lazyBuiltin } from "../util/builtin.ts";

const nodeProcess = lazyBuiltin<typeof NodeProcess>("node:process");

/** Bytes, as `process.memoryUsage()` reports them. */
export interface MemoryFigures {
  /** Resident set size of the whole process. */
  rss: number;
  /** Bytes the JS heap has reserved. */
  heapTotal: number;
  /** Bytes of live (not yet collected) JS objects. */
  heapUsed: number;
  /** Bytes held outside the JS heap for JS objects (buffers, native handles). */
  external: number;
}

/**
 * Reads the current figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMemoryFigures } from "./node_memory.ts";
 *
 * const m = readMemoryFigures();
 * assert.ok(m.rss > 0 && m.heapUsed > 0 && m.heapTotal >= m.heapUsed);
 * ```
 */
export function readMemoryFigures(): MemoryFigures {
  const { rss, heapTotal, heapUsed, external } = nodeProcess().memoryUsage();
  return { rss, heapTotal, heapUsed, external };
}
