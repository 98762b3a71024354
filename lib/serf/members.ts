/**
 * Serf's member table and its state machine over memberlist's events and
 * Serf's own join/leave intents. memberlist says whether a node answers;
 * intents (ordered by the member Lamport clock) say whether its absence was
 * a graceful leave (left) or a crash (failed).
 *
 * @module
 */
import type { Node } from "../memberlist/node.ts";
import { decodeTags, encodeSerfMessage } from "./messages.ts";
import type { SerfCore } from "./serf_core.ts";
import { memberFromNode, type MemberState } from "./member_table.ts";
import { memberWithStatus } from "./shared_members.ts";
import type { Member, MemberEventType } from "./types.ts";
import type { FailedRecord } from "./snapshot_failed.ts";
import { parseAddress } from "../util/addr.ts";

/**
 * Decoded tags by metadata array. memberlist interns member metadata (see
 * util/intern.ts), so every node in a process that holds the same member's
 * record holds the same array: one frozen tags object serves them all instead
 * of one per node pair (the simulator's 10^6 pairs at 1,000 nodes). Serf never
 * hands these objects out: members leave with copies. Weak, so tags go with
 * the metadata they came from.
 */
const tagsByMeta = new WeakMap<Uint8Array, Record<string, string>>();

function decodeTagsLogged(s: SerfCore, meta: Uint8Array): Record<string, string> {
  const known = tagsByMeta.get(meta);
  if (known !== undefined) return known;
  try {
    const tags = Object.freeze(decodeTags(meta));
    tagsByMeta.set(meta, tags);
    return tags;
  } catch (err) {
    s.log.error(`Failed to decode tags: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
}

function emit(s: SerfCore, type: MemberEventType, m: MemberState): void {
  s.emit({ type, members: [{ ...m.member, tags: { ...m.member.tags } }] });
}

/** memberlist says a node is alive (new, or back from failed/left). */
export function handleNodeJoin(s: SerfCore, n: Node): void {
  const t = s.members;
  let state = t.byName.get(n.name);
  let oldStatus: Member["status"] = "none";
  if (!state) {
    state = { member: memberFromNode(n, decodeTagsLogged(s, n.meta), "alive"), statusLTime: 0, leaveTime: 0 };
    const join = t.recentIntent(n.name, "join");
    if (join !== undefined) state.statusLTime = join;
    const leave = t.recentIntent(n.name, "leave");
    if (leave !== undefined) {
      state.member = memberWithStatus(state.member, "leaving");
      state.statusLTime = leave;
    }
    t.byName.set(n.name, state);
  } else {
    oldStatus = state.member.status;
    if (oldStatus === "failed" && s.clock.now() - state.leaveTime < s.config.flapTimeoutMs) {
      s.stats.flaps++;
      s.metrics.incrCounter(["serf", "member", "flap"]);
    }
    state.member = memberFromNode(n, decodeTagsLogged(s, n.meta), "alive");
    state.leaveTime = 0;
  }
  if (oldStatus === "failed" || oldStatus === "left") {
    t.removeFrom("failed", n.name);
    t.removeFrom("left", n.name);
  }
  s.metrics.incrCounter(["serf", "member", "join"]);
  s.log.info(`EventMemberJoin: ${state.member.name} ${state.member.addr}`);
  emit(s, "member-join", state);
}

/** memberlist says a node is gone: left if it announced leaving, failed otherwise. */
export function handleNodeLeave(s: SerfCore, n: Node): void {
  const t = s.members;
  const state = t.byName.get(n.name);
  if (!state) return;
  switch (state.member.status) {
    case "leaving":
      state.member = memberWithStatus(state.member, "left");
      state.leaveTime = s.clock.now();
      t.left.push(state);
      break;
    case "alive":
      state.member = memberWithStatus(state.member, "failed");
      state.leaveTime = s.clock.now();
      t.failed.push(state);
      break;
    default:
      s.log.warn(`Bad state when leave: ${state.member.status}`);
      return;
  }
  const left = state.member.status === "left";
  s.metrics.incrCounter(["serf", "member", state.member.status]);
  s.log.info(`${left ? "EventMemberLeave" : "EventMemberFailed"}: ${state.member.name} ${state.member.addr}`);
  emit(s, left ? "member-leave" : "member-failed", state);
}

/** memberlist saw new metadata (tags) for a node. */
export function handleNodeUpdate(s: SerfCore, n: Node): void {
  const state = s.members.byName.get(n.name);
  if (!state) return;
  state.member = memberFromNode(n, decodeTagsLogged(s, n.meta), state.member.status);
  s.metrics.incrCounter(["serf", "member", "update"]);
  s.log.info(`EventMemberUpdate: ${state.member.name}`);
  emit(s, "member-update", state);
}

/** Applies a leave intent; returns true when it is news worth rebroadcasting. */
export function handleLeaveIntent(
  s: SerfCore,
  msg: { lTime: number; node: string; prune: boolean },
): boolean {
  s.memberClock.witness(msg.lTime);
  const t = s.members;
  const state = t.byName.get(msg.node);
  if (!state) return t.upsertIntent(msg.node, "leave", msg.lTime, s.clock.now());
  if (msg.lTime <= state.statusLTime) return false;

  // Someone says we are leaving but we are not: refute with a fresh join intent.
  if (msg.node === s.config.nodeName && s.state === "alive") {
    s.log.debug("Refuting an older leave intent");
    broadcastJoin(s, s.memberClock.time());
    return false;
  }
  state.statusLTime = msg.lTime;
  switch (state.member.status) {
    case "alive":
      state.member = memberWithStatus(state.member, "leaving");
      if (msg.prune) schedulePrune(s, state);
      return true;
    case "failed":
      state.member = memberWithStatus(state.member, "left");
      state.leaveTime = state.leaveTime || s.clock.now();
      t.removeFrom("failed", state.member.name);
      t.left.push(state);
      s.log.info(`EventMemberLeave (forced): ${state.member.name} ${state.member.addr}`);
      emit(s, "member-leave", state);
      if (msg.prune) schedulePrune(s, state);
      return true;
    case "leaving":
    case "left":
      if (msg.prune) schedulePrune(s, state);
      return true;
    default:
      return false;
  }
}

/** Erases a force-left member now, or after its leave had time to complete. */
function schedulePrune(s: SerfCore, state: MemberState): void {
  const prune = () => {
    if (s.members.byName.get(state.member.name) !== state) return;
    s.log.info(`EventMemberReap (forced): ${state.member.name} ${state.member.addr}`);
    s.members.removeFrom("left", state.member.name);
    s.members.removeFrom("failed", state.member.name);
    eraseNode(s, state);
  };
  if (state.member.status === "leaving") {
    s.schedule(s.config.broadcastTimeoutMs + s.config.leavePropagateDelayMs, prune);
  } else {
    prune();
  }
}

/** Applies a join intent (a node's claim to be a member as of lTime). */
export function handleJoinIntent(s: SerfCore, msg: { lTime: number; node: string }): boolean {
  s.memberClock.witness(msg.lTime);
  const t = s.members;
  const state = t.byName.get(msg.node);
  if (!state) return t.upsertIntent(msg.node, "join", msg.lTime, s.clock.now());
  if (msg.lTime <= state.statusLTime) return false;
  state.statusLTime = msg.lTime;
  if (state.member.status === "leaving") state.member = memberWithStatus(state.member, "alive");
  return true;
}

/** Forgets a member entirely (reap), telling the event stream. */
export function eraseNode(s: SerfCore, state: MemberState): void {
  s.members.byName.delete(state.member.name);
  s.forgetCoordinate(state.member.name);
  emit(s, "member-reap", state);
}

/** Reaps failed members past `reconnectTimeoutMs` and left ones past `tombstoneTimeoutMs`. */
export function reap(s: SerfCore): void {
  const now = s.clock.now();
  const t = s.members;
  const sweep = (list: MemberState[], timeoutMs: number): MemberState[] =>
    list.filter((m) => {
      if (now - m.leaveTime <= timeoutMs) return true;
      s.log.info(`EventMemberReap: ${m.member.name}`);
      eraseNode(s, m);
      return false;
    });
  t.failed = sweep(t.failed, s.config.reconnectTimeoutMs);
  t.left = sweep(t.left, s.config.tombstoneTimeoutMs);
  t.reapIntents(now, s.config.recentIntentTimeoutMs);
}

/** Applies and gossips our own join intent at `lTime` (after a join, or to refute a stale leave). */
export function broadcastJoin(s: SerfCore, lTime: number): void {
  const msg = { type: "join" as const, lTime, node: s.config.nodeName };
  s.memberClock.witness(lTime);
  handleJoinIntent(s, msg);
  s.broadcastIntent(encodeSerfMessage(msg));
}

/**
 * Puts members that had failed before a restart back in the table as failed
 * (serf#333): the reconnect loop retries them and reaps them on the original
 * schedule, instead of the restarted node forgetting them. No events: nothing
 * changed, we only remember.
 */
export function restoreFailedMembers(s: SerfCore, failed: readonly FailedRecord[]): void {
  const t = s.members;
  const wallNow = s.clock.wallNow();
  for (const rec of failed) {
    if (rec.name === s.config.nodeName || t.byName.has(rec.name)) continue;
    const ageMs = Math.max(0, wallNow - rec.at);
    if (ageMs > s.config.reconnectTimeoutMs) continue;
    let addr;
    try {
      addr = parseAddress(rec.addr);
    } catch {
      continue;
    }
    const state: MemberState = {
      member: {
        name: rec.name,
        addr: addr.host,
        port: addr.port,
        tags: { ...rec.tags },
        status: "failed",
        protocolMin: 0,
        protocolMax: 0,
        protocolCur: 0,
        delegateMin: 0,
        delegateMax: 0,
        delegateCur: 0,
      },
      statusLTime: 0,
      leaveTime: s.clock.now() - ageMs,
    };
    t.byName.set(rec.name, state);
    t.failed.push(state);
    s.log.info(
      `Remembering failed member ${rec.name} ${rec.addr} from the snapshot; the reconnect loop retries it`,
    );
  }
}
