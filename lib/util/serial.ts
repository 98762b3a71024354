/**
 * One-at-a-time sections for async code (Go's `sync.Mutex` around a call that
 * waits): each `run` starts after the previous one settled, in call order.
 *
 * @module
 */

/**
 * Runs async sections one after another.
 *
 * @example Two overlapping calls do not interleave
 * ```ts
 * import assert from "node:assert/strict";
 * import { Serial } from "./serial.ts";
 *
 * const lock = new Serial();
 * const trace: string[] = [];
 * const section = (name: string) =>
 *   lock.run(async () => {
 *     trace.push(`${name} in`);
 *     await new Promise((r) => setTimeout(r, 5));
 *     trace.push(`${name} out`);
 *   });
 * await Promise.all([section("a"), section("b")]);
 * assert.deepEqual(trace, ["a in", "a out", "b in", "b out"]);
 * ```
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `section` once every earlier section has settled; its result or error is returned. */
  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(section, section);
    this.#tail = result.catch(() => {});
    return result;
  }
}
