/**
 * The part of a member record that every node agrees on once it has applied
 * the same alive claim: name, address, port, metadata and protocol versions.
 * A cluster of n nodes holds n² member records, and in a simulation they all
 * share one process; keeping these eleven fields in every record cost about
 * 70 bytes per node pair. One frozen identity per distinct claim, shared by
 * every record that holds it, leaves each record only its own view (state,
 * incarnation, when the state changed). The agent keeps one per member.
 *
 * The cache is process-wide, like the intern pool and the shared alive
 * encodings: it has no behaviour, since an identity is immutable and equal to
 * what a record would have held. Bounded: emptied when full, and identities
 * handed out before stay valid (they are simply no longer shared).
 *
 * @module
 */
import { bytesEqual } from "../util/bytes.ts";

/** What an alive claim says about a node, shared by every record holding that claim. Never mutated. */
export interface NodeIdentity {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array;
  /** The six versions `[pMin, pMax, pCur, dMin, dMax, dCur]`. */
  readonly vsn: readonly number[];
}

/** Nodes whose latest identity is kept before the cache starts over. */
const CAPACITY = 65_536;

const latestByName = new Map<string, NodeIdentity>();

/** The versions of a claim that carried fewer than six: memberlist assumes the oldest protocol, all zero. */
export const UNKNOWN_VSN: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0]);

function sameVsn(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The shared identity with these fields, built once per distinct claim.
 * `addr` and `meta` must never be written to afterwards (pass the interned
 * arrays, see util/intern.ts: they are compared by identity first). Only the
 * first six versions count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharedNodeIdentity } from "./node_identity.ts";
 *
 * const addr = new Uint8Array([10, 0, 0, 1]), meta = new Uint8Array(0);
 * const a = sharedNodeIdentity("web-1", addr, 7946, meta, [1, 5, 2, 2, 5, 4]);
 * assert.equal(sharedNodeIdentity("web-1", addr, 7946, meta, [1, 5, 2, 2, 5, 4]), a); // the same object
 * assert.notEqual(sharedNodeIdentity("web-1", addr, 7947, meta, [1, 5, 2, 2, 5, 4]), a);
 * assert.deepEqual(a.vsn, [1, 5, 2, 2, 5, 4]);
 * ```
 */
export function sharedNodeIdentity(
  name: string,
  addr: Uint8Array,
  port: number,
  meta: Uint8Array,
  vsn: readonly number[],
): NodeIdentity {
  const known = latestByName.get(name);
  if (
    known !== undefined && known.port === port && (known.addr === addr || bytesEqual(known.addr, addr)) &&
    (known.meta === meta || bytesEqual(known.meta, meta)) && sameVsn(known.vsn, vsn)
  ) {
    return known;
  }
  const identity: NodeIdentity = Object.freeze({
    name,
    addr,
    port,
    meta,
    vsn: Object.freeze([vsn[0] ?? 0, vsn[1] ?? 0, vsn[2] ?? 0, vsn[3] ?? 0, vsn[4] ?? 0, vsn[5] ?? 0]),
  });
  if (known === undefined && latestByName.size >= CAPACITY) latestByName.clear();
  latestByName.set(name, identity);
  return identity;
}
