/**
 * Encoded alive messages, shared. Every node that learns of a member (from
 * gossip or a push/pull) re-broadcasts the member's alive message, encoded
 * from the same fields, so in a simulated cluster of n nodes the same bytes
 * were built n times per member and each copy held in a broadcast queue for
 * the whole join storm: a tenth of a rollout's CPU, and garbage the collector
 * copied while it lived. One encoding per member, reused while its alive
 * claim is unchanged, serves them all; the agent (one node) keeps one small
 * entry per member.
 *
 * The cache is process-wide, like the intern pool: it has no behaviour (the
 * bytes are what {@linkcode encodeMessage} gives for the same fields) and
 * broadcast queues never write into a message. Bounded: emptied when full.
 *
 * @module
 */
import { bytesEqual } from "../util/bytes.ts";
import type { AliveMessage } from "./messages.ts";
import { vsnEqual } from "./node.ts";
import { encodeMessage } from "./wire.ts";

/** Members whose latest encoding is kept before the cache starts over. */
const CAPACITY = 65_536;

interface Encoded {
  readonly incarnation: number;
  readonly port: number;
  readonly addr: Uint8Array;
  readonly meta: Uint8Array;
  readonly vsn: readonly number[];
  readonly bytes: Uint8Array;
}

const latestByNode = new Map<string, Encoded>();

/**
 * `encodeMessage(a)`, built once per distinct alive claim. `addr` and `meta`
 * must hold the same bytes as `a.addr` and `a.meta` and must never be written
 * to (pass the interned arrays the member record keeps: they are compared by
 * identity first and held by the cache).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeAliveShared } from "./alive_encodings.ts";
 * import { encodeMessage } from "./wire.ts";
 *
 * const addr = new Uint8Array([10, 0, 0, 1]), meta = new Uint8Array(0);
 * const a = { type: "alive" as const, incarnation: 3, node: "web-1", addr, port: 7946, meta, vsn: [1, 5, 2, 2, 5, 4] };
 * const first = encodeAliveShared(a, addr, meta);
 * assert.deepEqual(first, encodeMessage(a));
 * assert.equal(encodeAliveShared({ ...a, vsn: [...a.vsn] }, addr, meta), first); // the same array
 * ```
 */
export function encodeAliveShared(a: AliveMessage, addr: Uint8Array, meta: Uint8Array): Uint8Array {
  const known = latestByNode.get(a.node);
  if (
    known !== undefined && known.incarnation === a.incarnation && known.port === a.port &&
    (known.addr === addr || bytesEqual(known.addr, addr)) &&
    (known.meta === meta || bytesEqual(known.meta, meta)) && vsnEqual(known.vsn, a.vsn)
  ) {
    return known.bytes;
  }
  const bytes = encodeMessage(a);
  if (known === undefined && latestByNode.size >= CAPACITY) latestByNode.clear();
  latestByNode.set(a.node, {
    incarnation: a.incarnation,
    port: a.port,
    addr,
    meta,
    vsn: a.vsn.slice(),
    bytes,
  });
  return bytes;
}
