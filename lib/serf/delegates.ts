/**
 * Serf's hooks into memberlist: its messages ride as memberlist user
 * messages and broadcasts, its clocks and recent events ride push/pull, its
 * tags ride node metadata, and its coordinates ride probe acks.
 *
 * @module
 */
import { failureText } from "../util/errors.ts";
import type {
  ConflictDelegate,
  Delegate,
  EventDelegate,
  MergeDelegate,
  PingDelegate,
} from "../memberlist/delegate.ts";
import { META_MAX_SIZE } from "../memberlist/config.ts";
import type { Node } from "../memberlist/node.ts";
import { NodeState } from "../memberlist/messages.ts";
import { addressFromWire, bytesToIp } from "../util/addr.ts";
import { distanceTo } from "../coordinate/coordinate.ts";
import {
  decodePingPayload,
  decodeRelayMessage,
  decodeSerfMessage,
  decodeTags,
  encodePingPayload,
  encodeTags,
  SerfMessageType,
} from "./messages.ts";
import {
  handleJoinIntent,
  handleLeaveIntent,
  handleNodeJoin,
  handleNodeLeave,
  handleNodeUpdate,
} from "./members.ts";
import { handleQuery, handleQueryResponse } from "./query.ts";
import { applyOldNewsJoin } from "./old_news.ts";
import { encodeLocalPushPull, readRemotePushPull } from "./push_pull_state.ts";
import { sharedIntentCopy } from "./intent_copies.ts";
import { memberFromNode } from "./member_table.ts";
import { remoteMemberError } from "./node_name.ts";
import type { SerfCore } from "./serf_core.ts";
import { handleUserEvent } from "./user_event.ts";
import type { Member } from "./types.ts";

/** Sampled for every user message, so one shared key rather than an array each. */
const MSGS_RECEIVED: readonly string[] = ["serf", "msgs", "received"];

/** Encodes our tags as metadata, refusing what does not fit. */
export function encodeLocalTags(s: SerfCore, tags: Record<string, string>): Uint8Array {
  const meta = encodeTags(tags, s.config.protocolVersion);
  if (meta.length > META_MAX_SIZE) {
    throw new RangeError(`Encoded length of tags exceeds limit of ${META_MAX_SIZE} bytes`);
  }
  return meta;
}

/** Metric key for each Serf message piggybacked: one array, not one per message. */
const MSGS_SENT: readonly string[] = ["serf", "msgs", "sent"];

/** The memberlist delegate: metadata, user messages, broadcasts and push/pull state. */
export function serfDelegate(s: SerfCore): Delegate {
  return {
    nodeMeta: () => encodeLocalTags(s, s.config.tags),
    notifyMsg: (buf) => notifyMsg(s, buf),
    borrowsMessages: true,
    getBroadcasts(overhead: number, limit: number): Uint8Array[] {
      const out = s.intentQueue.getBroadcasts(overhead, limit);
      let used = 0;
      for (const m of out) used += m.length + overhead;
      for (const m of s.queryQueue.getBroadcasts(overhead, limit - used)) {
        used += m.length + overhead;
        out.push(m);
      }
      for (const m of s.eventQueue.getBroadcasts(overhead, limit - used)) out.push(m);
      if (s.metrics.enabled) { for (const m of out) s.metrics.addSample(MSGS_SENT, m.length); }
      return out;
    },
    pendingBroadcasts: () => s.intentQueue.numQueued() + s.queryQueue.numQueued() + s.eventQueue.numQueued(),
    localState: () =>
      encodeLocalPushPull({
        lTime: s.memberClock.time(),
        members: s.members.byName,
        leftMembers: s.members.left.map((m) => m.member.name),
        eventLTime: s.eventClock.time(),
        events: s.eventBuffer.entries(),
        queryLTime: s.queryClock.time(),
      }),
    mergeRemoteState: (buf, join) => mergeRemoteState(s, buf, join),
  };
}

/**
 * Handles one user message. `borrowed` is a view into a packet that may be
 * reused once we return (see `borrowsMessages`): repeats are recognised in
 * place, anything else is copied first, so no decoded field, relay or
 * rebroadcast keeps a view into it.
 */
function notifyMsg(s: SerfCore, borrowed: Uint8Array): void {
  if (borrowed.length === 0) return;
  s.metrics.addSample(MSGS_RECEIVED, borrowed.length);
  // Most intents in a rollout are repeats; with debug logging on, take the usual path so each is still logged.
  if (!s.log.enabled("DEBUG") && applyOldNewsJoin(s, borrowed)) return;
  const buf = borrowed.slice();
  let msg;
  try {
    msg = buf[0] === SerfMessageType.relay ? undefined : decodeSerfMessage(buf);
  } catch (err) {
    s.stats.droppedMessages++;
    s.log.error(`Error decoding message type ${buf[0]}: ${failureText(err)}`);
    return;
  }
  if (msg === undefined) {
    relay(s, buf);
    return;
  }
  let rebroadcast = false;
  let queue = s.intentQueue;
  switch (msg.type) {
    case "leave":
      s.log.debug(`messageLeaveType: ${msg.node}`);
      rebroadcast = handleLeaveIntent(s, msg);
      break;
    case "join":
      s.log.debug(`messageJoinType: ${msg.node}`);
      rebroadcast = handleJoinIntent(s, msg);
      break;
    case "userEvent":
      s.log.debug(`messageUserEventType: ${msg.name}`);
      rebroadcast = handleUserEvent(s, s.eventBuffer, msg);
      queue = s.eventQueue;
      break;
    case "query":
      s.log.debug(`messageQueryType: ${msg.name}`);
      rebroadcast = handleQuery(s, msg, s.querySeen);
      queue = s.queryQueue;
      break;
    case "queryResponse":
      s.log.debug(`messageQueryResponseType: ${msg.from}`);
      handleQueryResponse(s, msg);
      break;
    default:
      s.log.warn(`Received message of unknown type: ${buf[0]}`);
  }
  if (rebroadcast) {
    // Every node rebroadcasts the same intent bytes: share one copy (intent_copies.ts).
    queue.queueUnique(queue === s.intentQueue ? sharedIntentCopy(buf) : buf.slice());
    s.memberlist.wakeGossip();
  }
}

/** Forwards a relayed query response to its destination (we are one of the relays). */
function relay(s: SerfCore, buf: Uint8Array): void {
  try {
    const { header, inner } = decodeRelayMessage(buf);
    const dest = addressFromWire(header.destAddr, header.destPort, "relay destination");
    s.log.debug(`Relaying response to addr: ${dest.host}:${dest.port}`);
    s.memberlist.sendToAddress(dest, inner);
  } catch (err) {
    s.stats.droppedMessages++;
    s.log.error(`Error decoding relay header: ${failureText(err)}`);
  }
}

function mergeRemoteState(s: SerfCore, buf: Uint8Array, isJoin: boolean): void {
  if (buf.length === 0) {
    s.log.error("Remote state is zero bytes");
    return;
  }
  if (buf[0] !== SerfMessageType.pushPull) {
    s.log.error(`Remote state has bad type prefix: ${buf[0]}`);
    return;
  }
  let pp;
  try {
    pp = readRemotePushPull(buf);
  } catch (err) {
    s.stats.droppedMessages++;
    s.log.error(`Failed to decode remote state: ${failureText(err)}`);
    return;
  }
  // Witness one less than the remote clocks so the intents below still count as new.
  if (pp.lTime > 0) s.memberClock.witness(pp.lTime - 1);
  if (pp.eventLTime > 0) s.eventClock.witness(pp.eventLTime - 1);
  if (pp.queryLTime > 0) s.queryClock.witness(pp.queryLTime - 1);

  const { names, lTimes, leftMembers } = pp;
  if (leftMembers.length > 0) {
    const lTimeOf = new Map(names.map((name, i) => [name, lTimes[i]!]));
    for (const name of leftMembers) {
      handleLeaveIntent(s, { lTime: (lTimeOf.get(name) ?? 0) + 1, node: name, prune: false });
    }
  }
  const left = new Set(leftMembers);
  for (let i = 0; i < names.length; i++) {
    if (!left.has(names[i]!)) handleJoinIntent(s, { lTime: lTimes[i]!, node: names[i]! });
  }
  if (isJoin && s.eventJoinIgnore && pp.eventLTime > s.eventMinTime) s.eventMinTime = pp.eventLTime;
  for (const at of pp.events) {
    for (const e of at.events) {
      handleUserEvent(s, s.eventBuffer, { lTime: at.lTime, name: e.name, payload: e.payload, cc: false });
    }
  }
}

/** memberlist membership events into Serf's member state machine. */
export function serfEventDelegate(s: SerfCore): EventDelegate {
  return {
    notifyJoin: (n) => handleNodeJoin(s, n),
    notifyLeave: (n) => handleNodeLeave(s, n),
    notifyUpdate: (n) => handleNodeUpdate(s, n),
  };
}

/** Name conflicts: start resolution when someone else claims our name. */
export function serfConflictDelegate(s: SerfCore, resolve: () => void): ConflictDelegate {
  return {
    notifyConflict(existing: Node, other: Node) {
      if (existing.name !== s.config.nodeName) {
        s.log.warn(
          `Name conflict for '${existing.name}' both ${bytesToIp(existing.addr)}:${existing.port} and ${
            bytesToIp(other.addr)
          }:${other.port} are claiming`,
        );
        return;
      }
      s.log.error(
        `Node name conflicts with another node at ${
          bytesToIp(other.addr)
        }:${other.port}. Names must be unique! (Resolution enabled: ${s.config.enableNameConflictResolution})`,
      );
      if (s.config.enableNameConflictResolution) resolve();
    },
  };
}

/** Coordinates on probe acks: our coordinate out, the peer's in with the measured RTT. */
export function serfPingDelegate(s: SerfCore): PingDelegate {
  // Every ack carries our coordinate, which changes only when one of our own probes completes:
  // encode it once per change, not once per ack (acks are on the round trip being measured).
  let ackBytes: Uint8Array | undefined;
  return {
    ackPayload: () => ackBytes ??= encodePingPayload(s.coordClient!.getCoordinate()),
    notifyPingComplete(node: Node, rttMs: number, payload: Uint8Array) {
      if (payload.length === 0) return;
      let other;
      try {
        other = decodePingPayload(payload);
      } catch (err) {
        s.log.error(`Failed to decode coordinate from ping: ${failureText(err)}`);
        return;
      }
      try {
        ackBytes = undefined;
        const before = s.coordClient!.getCoordinate();
        if (rttMs === 0) s.metrics.incrCounter(["serf", "coordinate", "zero-rtt"]);
        const after = s.coordClient!.update(node.name, other, s.rttFilter.observe(node.name, rttMs));
        s.metrics.addSample(["serf", "coordinate", "adjustment-ms"], distanceTo(before, after) * 1000);
        s.coordCache.set(node.name, other);
        s.coordCache.set(s.config.nodeName, s.coordClient!.getCoordinate());
      } catch (err) {
        s.metrics.incrCounter(["serf", "coordinate", "rejected"]);
        s.log.error(`Rejected coordinate from ${node.name}: ${failureText(err)}`);
      }
    },
  };
}

/** Joins and alive messages vetted by the user's merge delegate, as Serf members. */
export function serfMergeDelegate(s: SerfCore): MergeDelegate & {
  notifyAlive(peer: Node): string | undefined;
} {
  const tagsOf = (meta: Uint8Array): Record<string, string> => {
    try {
      return decodeTags(meta);
    } catch {
      return {};
    }
  };
  // Serf tells the merge delegate only one thing about a peer's state: whether it left.
  const toMember = (n: Node): Member =>
    memberFromNode(n, tagsOf(n.meta), n.state === NodeState.left ? "left" : "none");
  const invalid = (peers: Node[]): string | undefined => {
    if (!s.config.validateNodeNames) return undefined;
    for (const p of peers) {
      const err = remoteMemberError(p);
      if (err) return err;
    }
    return undefined;
  };
  return {
    notifyMerge: (peers) => invalid(peers) ?? s.config.merge?.notifyMerge(peers.map(toMember)),
    notifyAlive: (peer) => invalid([peer]) ?? s.config.merge?.notifyMerge([toMember(peer)]),
  };
}
