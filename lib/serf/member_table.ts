/**
 * Serf's member table: every member with the Lamport time of its last intent
 * and when it failed or left, the failed/left lists the reconnect and reap
 * loops walk, and intents about nodes not heard of yet.
 *
 * @module
 */
import { ipStringOf } from "../util/ip_strings.ts";
import { memberInterns } from "../util/intern.ts";
import type { Node } from "../memberlist/node.ts";
import { sharedMember } from "./shared_members.ts";
import type { Member, MemberStatus } from "./types.ts";

/** A member plus what Serf needs to order intents and reap. */
export interface MemberState {
  /** Shared with every table that agrees on it, and frozen: change it by replacing it (shared_members.ts). */
  member: Readonly<Member>;
  /** Lamport time of the last join/leave intent applied. */
  statusLTime: number;
  /** When it became failed or left, on the engine clock; 0 while alive. */
  leaveTime: number;
}

/** An intent about a node we have not heard of yet, kept for `recentIntentTimeoutMs`. */
interface NodeIntent {
  type: "join" | "leave";
  wallTime: number;
  lTime: number;
}

/** Members, the failed/left lists used for reconnect and reaping, and buffered intents. */
export class MemberTable {
  readonly byName: Map<string, MemberState> = new Map();
  failed: MemberState[] = [];
  left: MemberState[] = [];
  readonly intents: Map<string, NodeIntent> = new Map();

  /** Records an intent for an unknown node if it is newer than what we hold. */
  upsertIntent(node: string, type: "join" | "leave", lTime: number, now: number): boolean {
    const cur = this.intents.get(node);
    if (cur && lTime <= cur.lTime) return false;
    this.intents.set(node, { type, wallTime: now, lTime });
    return true;
  }

  recentIntent(node: string, type: "join" | "leave"): number | undefined {
    const i = this.intents.get(node);
    return i && i.type === type ? i.lTime : undefined;
  }

  reapIntents(now: number, timeoutMs: number): void {
    for (const [node, intent] of this.intents) {
      if (now - intent.wallTime > timeoutMs) this.intents.delete(node);
    }
  }

  removeFrom(list: "failed" | "left", name: string): void {
    this[list] = this[list].filter((m) => m.member.name !== name);
  }
}

/**
 * A memberlist node as a Serf member, with its already decoded tags, shared
 * (see shared_members.ts). Every field is written in the literal (no spread)
 * so V8 keeps them all inside the object: a spread of the versions added a
 * separate 64-byte property array to each record.
 */
export function memberFromNode(
  n: Node,
  tags: Record<string, string>,
  status: MemberStatus,
): Readonly<Member> {
  return sharedMember({
    name: memberInterns.string(n.name),
    addr: ipStringOf(n.addr),
    port: n.port,
    tags,
    status,
    protocolMin: n.pMin,
    protocolMax: n.pMax,
    protocolCur: n.pCur,
    delegateMin: n.dMin,
    delegateMax: n.dMax,
    delegateCur: n.dCur,
  });
}
