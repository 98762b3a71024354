/**
 * The bearer check of the HTTP API (`http_auth`).
 *
 * @module
 */

/**
 * True when `header` is `Bearer <token>` with exactly `token`. Compares every
 * byte whatever the first difference, so the time taken does not tell an
 * attacker how much of a guess was right.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bearerMatches } from "./auth.ts";
 *
 * assert.equal(bearerMatches("Bearer s3cret", "s3cret"), true);
 * assert.equal(bearerMatches("Bearer s3creT", "s3cret"), false);
 * assert.equal(bearerMatches(undefined, "s3cret"), false);
 * ```
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(.*)$/i.exec(header ?? "");
  const given = new TextEncoder().encode(m?.[1]?.trim() ?? "");
  const want = new TextEncoder().encode(token);
  let diff = given.length ^ want.length;
  for (let i = 0; i < want.length; i++) diff |= (given[i] ?? 0) ^ want[i]!;
  return m !== null && diff === 0;
}
