/**
 * Byte-array helpers every layer needs (framing, push/pull bodies, event
 * de-duplication), kept in one place so each caller does not grow its own.
 *
 * @module
 */

/**
 * The parts laid end to end in one new array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatBytes } from "./bytes.ts";
 *
 * assert.deepEqual(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]), Uint8Array.of(1, 2, 3));
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * True when both arrays hold the same bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bytesEqual } from "./bytes.ts";
 *
 * assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
 * assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1)), false);
 * ```
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
