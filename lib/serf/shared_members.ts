/**
 * Serf's member records, shared. Every node of a cluster of n holds a member
 * record of every other, and in a simulation they all share one process: n²
 * records of eleven fields, about 110 bytes per node pair, though all the
 * nodes that agree on a member hold the same values. One frozen record per
 * distinct value, shared by every member table holding it, leaves each table
 * entry only its own Lamport time and leave time. A member table changes a
 * member by replacing its record, never by writing into it.
 *
 * The cache is process-wide, like the intern pool (util/intern.ts): it has no
 * behaviour, since a record is immutable and equal to what a table would have
 * built. Bounded: emptied when full, and records handed out before stay valid
 * (they are simply no longer shared).
 *
 * @module
 */
import type { Member, MemberStatus } from "./types.ts";

/** Members whose latest records are kept before the cache starts over. */
const CAPACITY = 65_536;
/** Records kept per member: one for each status it passes through, and a few address or tag changes. */
const VARIANTS = 6;

const recentByName = new Map<string, Member[]>();

function sameMember(a: Member, b: Member): boolean {
  return a.status === b.status && a.addr === b.addr && a.port === b.port && a.tags === b.tags &&
    a.protocolMin === b.protocolMin && a.protocolMax === b.protocolMax && a.protocolCur === b.protocolCur &&
    a.delegateMin === b.delegateMin && a.delegateMax === b.delegateMax && a.delegateCur === b.delegateCur;
}

/**
 * The shared, frozen record equal to `m`. Tags are compared by identity, so
 * pass the tags object shared for the same metadata; `m` itself is not kept
 * unless no equal record was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharedMember } from "./shared_members.ts";
 *
 * const tags = Object.freeze({ role: "web" });
 * const m = {
 *   name: "web-1", addr: "10.0.0.1", port: 7946, tags, status: "alive" as const,
 *   protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 4,
 * };
 * const shared = sharedMember(m);
 * assert.equal(sharedMember({ ...m }), shared); // the same object
 * assert.notEqual(sharedMember({ ...m, status: "failed" }), shared);
 * assert.equal(Object.isFrozen(shared), true);
 * ```
 */
export function sharedMember(m: Member): Readonly<Member> {
  let variants = recentByName.get(m.name);
  if (variants !== undefined) {
    for (const known of variants) if (sameMember(known, m)) return known;
  } else {
    if (recentByName.size >= CAPACITY) recentByName.clear();
    variants = [];
    recentByName.set(m.name, variants);
  }
  const record = Object.freeze(m);
  if (variants.length >= VARIANTS) variants.shift();
  variants.push(record);
  return record;
}

/** The shared record of `m` with another status. */
export function memberWithStatus(m: Member, status: MemberStatus): Readonly<Member> {
  return sharedMember({
    name: m.name,
    addr: m.addr,
    port: m.port,
    tags: m.tags,
    status,
    protocolMin: m.protocolMin,
    protocolMax: m.protocolMax,
    protocolCur: m.protocolCur,
    delegateMin: m.delegateMin,
    delegateMax: m.delegateMax,
    delegateCur: m.delegateCur,
  });
}
