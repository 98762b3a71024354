/**
 * IP strings by address array. Member addresses are interned (see
 * intern.ts), so every node in a process that holds a record of a member
 * holds the same array; its string is built once instead of on every probe
 * and for every node pair (building it was a quarter of Serf's cost for a new
 * member in a simulated rollout). Weak, so strings go with their arrays.
 *
 * @module
 */
import { bytesToIp } from "./addr.ts";
import { memberInterns } from "./intern.ts";

const ipByAddr = new WeakMap<Uint8Array, string>();

/**
 * The interned IP string of `addr` (4 or 16 bytes); never write into `addr`
 * afterwards, or the cached string goes stale.
 *
 * @throws {TypeError} as {@linkcode bytesToIp} does for other lengths
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipStringOf } from "./ip_strings.ts";
 *
 * const addr = new Uint8Array([10, 0, 0, 7]);
 * assert.equal(ipStringOf(addr), "10.0.0.7");
 * assert.equal(ipStringOf(addr), ipStringOf(addr)); // built once
 * ```
 */
export function ipStringOf(addr: Uint8Array): string {
  let ip = ipByAddr.get(addr);
  if (ip === undefined) {
    ip = memberInterns.string(bytesToIp(addr));
    ipByAddr.set(addr, ip);
  }
  return ip;
}
