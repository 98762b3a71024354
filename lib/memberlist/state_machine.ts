/**
 * The membership state machine: how alive, suspect and dead claims about a
 * node change what we believe, following SWIM's incarnation rules (a node's
 * own higher incarnation beats any accusation) with Lifeguard's suspicion
 * timeouts that shrink as independent peers confirm a suspicion.
 *
 * @module
 */
import { bytesToIp } from "../util/addr.ts";
import { memberInterns } from "../util/intern.ts";
import type { Engine } from "./engine.ts";
import { type AliveMessage, type DeadMessage, NodeState, type SuspectMessage } from "./messages.ts";
import { type Node, NodeRecord, snapshotNode, vsnEqual, vsnOf } from "./node.ts";
import { sharedNodeIdentity, UNKNOWN_VSN } from "./node_identity.ts";
import { suspicionTimeout } from "./math.ts";
import { Suspicion } from "./suspicion.ts";
import { encodeMessage } from "./wire.ts";
import { encodeAliveShared } from "./alive_encodings.ts";
import { bytesEqual } from "../util/bytes.ts";

/**
 * Answers an accusation against ourselves by bumping our incarnation above the
 * accused one and broadcasting alive; also counts against our health (Lifeguard:
 * being suspected means our probes or acks were slow).
 */
export function refute(m: Engine, me: NodeRecord, accusedIncarnation: number): void {
  let inc = m.nextIncarnation();
  if (accusedIncarnation >= inc) inc = m.skipIncarnation(accusedIncarnation - inc + 1);
  me.incarnation = inc;
  m.awareness.applyDelta(1);
  const msg: AliveMessage = {
    type: "alive",
    incarnation: inc,
    node: me.name,
    addr: me.addr,
    port: me.port,
    meta: me.meta,
    vsn: vsnOf(me),
  };
  m.queueBroadcast(me.name, encodeMessage(msg));
}

/**
 * Applies an alive claim. `bootstrap` is true for our own initial alive and
 * metadata updates, which must not be refuted.
 */
export function aliveNode(m: Engine, a: AliveMessage, bootstrap: boolean, notify?: () => void): void {
  const cfg = m.config;
  const isLocal = a.node === cfg.name;
  if (m.hasLeft() && isLocal) return;
  if (a.addr.length !== 4 && a.addr.length !== 16) {
    // Nothing can be sent to such a node: it would stay alive forever, failing
    // every probe and gossip round that picked it. Go would keep it until
    // probes failed; refusing it at the door ends the same way, sooner.
    m.log.warn(
      `Ignoring an alive message for '${a.node}': address must be 4 or 16 bytes: current length is ${a.addr.length}`,
    );
    return;
  }

  if (a.vsn.length >= 3) {
    const [pMin, pMax] = a.vsn as [number, number, number];
    if (pMin === 0 || pMax === 0 || pMin > pMax) {
      m.log.warn(
        `Ignoring an alive message for '${a.node}' (${
          bytesToIpSafe(a.addr)
        }:${a.port}) because protocol version(s) are wrong: ${a.vsn.slice(0, 3).join(", ")}`,
      );
      return;
    }
  }
  if (cfg.alive) {
    if (a.vsn.length < 6) {
      m.log.warn(`Ignoring alive message for '${a.node}': Vsn is not present`);
      return;
    }
    const veto = m.safeCall("alive delegate", () => cfg.alive!.notifyAlive(nodeFromAlive(a)));
    if (veto) {
      m.log.warn(`Ignoring alive message for '${a.node}': ${veto}`);
      return;
    }
  }

  // A purged node comes back as we last knew it, so a stale claim stays stale.
  let state = m.nodes.get(a.node) ?? m.nodes.recall(a.node, m.clock.now());
  let updatesNode = false;
  if (!state) {
    // Every node holds a record of every other: share the immutable parts (util/intern.ts, node_identity.ts).
    // Old peers omit Vsn; assume the oldest protocol.
    const identity = sharedNodeIdentity(
      memberInterns.string(a.node),
      memberInterns.bytes(a.addr),
      a.port,
      memberInterns.bytes(a.meta),
      a.vsn.length >= 6 ? a.vsn : UNKNOWN_VSN,
    );
    state = new NodeRecord(identity, NodeState.dead, 0, m.clock.now());
    m.nodes.add(state);
  } else if (!bytesEqual(state.addr, a.addr) || state.port !== a.port) {
    const canReclaim = cfg.deadNodeReclaimTimeMs > 0 &&
      m.clock.now() - state.stateChange > cfg.deadNodeReclaimTimeMs;
    if (state.state === NodeState.left || (state.state === NodeState.dead && canReclaim)) {
      m.log.info(
        `Updating address for left or failed node ${state.name} from ${
          bytesToIpSafe(state.addr)
        }:${state.port} to ${bytesToIpSafe(a.addr)}:${a.port}`,
      );
      updatesNode = true;
    } else {
      m.log.error(
        `Conflicting address for ${state.name}. Mine: ${bytesToIpSafe(state.addr)}:${state.port} Theirs: ${
          bytesToIpSafe(a.addr)
        }:${a.port} Old state: ${state.state}`,
      );
      const existing = snapshotNode(state);
      m.safeCall("conflict delegate", () => cfg.conflict?.notifyConflict(existing, nodeFromAlive(a)));
      return;
    }
  }

  if (a.incarnation <= state.incarnation && !isLocal && !updatesNode) return;
  if (a.incarnation < state.incarnation && isLocal) return;

  m.suspicions.get(a.node)?.cancel();
  m.suspicions.delete(a.node);

  const oldState = state.state;
  const oldMeta = state.meta;

  if (!bootstrap && isLocal) {
    // Someone gossiped an alive about us that we did not send; unless it is
    // identical to what we advertise, assert ourselves with a newer incarnation.
    if (
      a.incarnation === state.incarnation && bytesEqual(a.meta, state.meta) && vsnEqual(a.vsn, vsnOf(state))
    ) {
      return;
    }
    refute(m, state, a.incarnation);
    m.log.warn(`Refuting an alive message for '${a.node}' (${bytesToIpSafe(a.addr)}:${a.port})`);
  } else {
    // Every node in a simulated cluster holds these: share the record's bytes (util/intern.ts) and the encoding.
    const meta = memberInterns.bytes(a.meta);
    const addr = memberInterns.bytes(a.addr);
    m.queueBroadcast(a.node, encodeAliveShared(a, addr, meta), notify);
    // A claim without all six versions keeps the ones we hold.
    state.identity = sharedNodeIdentity(
      state.name,
      addr,
      a.port,
      meta,
      a.vsn.length >= 6 ? a.vsn : state.identity.vsn,
    );
    state.incarnation = a.incarnation;
    if (state.state !== NodeState.alive) {
      state.state = NodeState.alive;
      state.stateChange = m.clock.now();
    }
  }
  m.metrics.incrCounter(["memberlist", "msg", "alive"]);

  const events = cfg.events;
  if (!events) return;
  if (oldState === NodeState.dead || oldState === NodeState.left) {
    const n = snapshotNode(state);
    m.safeCall("join event", () => events.notifyJoin(n));
  } else if (!bytesEqual(oldMeta, state.meta)) {
    const n = snapshotNode(state);
    m.safeCall("update event", () => events.notifyUpdate(n));
  }
}

/** Applies a suspect claim, starting or confirming a Lifeguard suspicion timer. */
export function suspectNode(m: Engine, s: SuspectMessage): void {
  const state = m.nodes.get(s.node);
  if (!state || s.incarnation < state.incarnation) return;

  const existing = m.suspicions.get(s.node);
  if (existing) {
    // Re-gossip only new confirmations so they reach others without flooding.
    if (existing.confirm(s.from)) m.queueBroadcast(s.node, encodeMessage(s));
    return;
  }
  if (state.state !== NodeState.alive) return;

  if (state.name === m.config.name) {
    refute(m, state, s.incarnation);
    m.log.warn(`Refuting a suspect message (from: ${s.from})`);
    return;
  }
  m.queueBroadcast(s.node, encodeMessage(s));
  m.metrics.incrCounter(["memberlist", "msg", "suspect"]);

  state.incarnation = s.incarnation;
  state.state = NodeState.suspect;
  const changeTime = m.clock.now();
  state.stateChange = changeTime;

  // Lifeguard: expect suspicionMult-2 independent confirmations; in tiny
  // clusters there are not enough peers, so do not wait for any. The size is
  // every node in the table, dead and left ones too, as memberlist counts it:
  // every node of a mixed cluster must compute the same timeouts.
  const n = m.nodes.size;
  let k = m.config.suspicionMult - 2;
  if (n - 2 < k) k = 0;
  const minMs = suspicionTimeout(m.config.suspicionMult, n, m.config.probeIntervalMs);
  const maxMs = m.config.suspicionMaxTimeoutMult * minMs;
  const suspicion = new Suspicion({
    from: s.from,
    k,
    minMs,
    maxMs,
    clock: m.clock,
    onTimeout: (confirmations: number) => {
      const cur = m.nodes.get(s.node);
      if (!cur || cur.state !== NodeState.suspect || cur.stateChange !== changeTime) return;
      m.suspicions.delete(s.node);
      if (k > 0 && confirmations < k) m.metrics.incrCounter(["memberlist", "degraded", "timeout"]);
      m.log.info(
        `Marking ${cur.name} as failed, suspect timeout reached (${confirmations} peer confirmations)`,
      );
      deadNode(m, { type: "dead", incarnation: cur.incarnation, node: cur.name, from: m.config.name });
    },
  });
  m.suspicions.set(s.node, suspicion);
}

/** Applies a dead claim; a node declaring itself dead has left. */
export function deadNode(m: Engine, d: DeadMessage): void {
  const state = m.nodes.get(d.node);
  if (!state || d.incarnation < state.incarnation) return;

  m.suspicions.get(d.node)?.cancel();
  m.suspicions.delete(d.node);
  if (state.state === NodeState.dead || state.state === NodeState.left) return;

  if (state.name === m.config.name) {
    if (!m.hasLeft()) {
      refute(m, state, d.incarnation);
      m.log.warn(`Refuting a dead message (from: ${d.from})`);
      return;
    }
    m.queueBroadcast(d.node, encodeMessage(d), () => m.onLeaveBroadcastDone?.());
  } else {
    m.queueBroadcast(d.node, encodeMessage(d));
  }
  m.metrics.incrCounter(["memberlist", "msg", "dead"]);

  state.incarnation = d.incarnation;
  state.state = d.node === d.from ? NodeState.left : NodeState.dead;
  state.stateChange = m.clock.now();
  const events = m.config.events;
  if (events) {
    const n = snapshotNode(state);
    m.safeCall("leave event", () => events.notifyLeave(n));
  }
}

/** A node state as received in push/pull. */
export interface RemoteNodeState {
  name: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  incarnation: number;
  state: number;
  vsn: number[];
}

/** Folds a peer's full state into ours, claim by claim. */
export function mergeState(m: Engine, remote: RemoteNodeState[]): void {
  for (const r of remote) {
    switch (r.state) {
      case NodeState.alive:
        if (isOldNewsAlive(m, r)) break;
        aliveNode(m, {
          type: "alive",
          incarnation: r.incarnation,
          node: r.name,
          addr: r.addr,
          port: r.port,
          meta: r.meta,
          vsn: r.vsn,
        }, false);
        break;
      case NodeState.left:
        deadNode(m, { type: "dead", incarnation: r.incarnation, node: r.name, from: r.name });
        break;
      case NodeState.dead:
      case NodeState.suspect:
        // Never trust a remote "dead" outright: suspect it and let it refute.
        suspectNode(m, { type: "suspect", incarnation: r.incarnation, node: r.name, from: m.config.name });
        break;
    }
  }
}

/**
 * The record an alive claim would leave untouched, judged by name,
 * incarnation and port alone (the caller checks the address and version
 * vector): a known node other than us, no newer incarnation, the same port,
 * and no alive delegate (which sees every claim). {@linkcode aliveNode}
 * returns early for such a claim once the address matches, so callers can
 * skip building the message. Most gossip and push/pull records are such claims.
 */
export function unchangedByAlive(
  m: Engine,
  name: string,
  incarnation: number,
  port: number,
): NodeRecord | undefined {
  if (m.config.alive || name === m.config.name) return undefined;
  const known = m.nodes.get(name);
  if (!known || incarnation > known.incarnation || known.port !== port) return undefined;
  return known;
}

/**
 * True when a protocol version vector (`length` entries of `vsn` from `at`)
 * is one {@linkcode aliveNode} accepts without a warning.
 */
export function plausibleVsn(vsn: ArrayLike<number>, at = 0, length: number = vsn.length): boolean {
  return length < 3 || (vsn[at] !== 0 && vsn[at + 1] !== 0 && vsn[at]! <= vsn[at + 1]!);
}

/** True when an alive record from a push/pull would change nothing (see {@linkcode unchangedByAlive}). */
function isOldNewsAlive(m: Engine, r: RemoteNodeState): boolean {
  const known = unchangedByAlive(m, r.name, r.incarnation, r.port);
  if (!known || (r.addr.length !== 4 && r.addr.length !== 16) || !plausibleVsn(r.vsn)) return false;
  return bytesEqual(known.addr, r.addr);
}

/**
 * Checks that every node, remote and local, speaks a protocol version inside
 * the range all alive nodes understand.
 * @returns an error message, or undefined when compatible
 */
export function verifyProtocol(m: Engine, remote: RemoteNodeState[]): string | undefined {
  let maxPMin = 0, minPMax = 255, maxDMin = 0, minDMax = 255;
  for (const r of remote) {
    // Five entries carry both ranges; fewer say nothing (memberlist 0.6 reads no further).
    if (r.state !== NodeState.alive || r.vsn.length < 5) continue;
    maxPMin = Math.max(maxPMin, r.vsn[0]!);
    minPMax = Math.min(minPMax, r.vsn[1]!);
    maxDMin = Math.max(maxDMin, r.vsn[3]!);
    minDMax = Math.min(minDMax, r.vsn[4]!);
  }
  for (const n of m.nodes.all()) {
    if (n.state !== NodeState.alive) continue;
    maxPMin = Math.max(maxPMin, n.pMin);
    minPMax = Math.min(minPMax, n.pMax);
    maxDMin = Math.max(maxDMin, n.dMin);
    minDMax = Math.min(minDMax, n.dMax);
  }
  const check = (name: string, pCur: number, dCur: number): string | undefined => {
    if (pCur < maxPMin || pCur > minPMax) {
      return `Node '${name}' protocol version (${pCur}) is incompatible: [${maxPMin}, ${minPMax}]`;
    }
    if (dCur < maxDMin || dCur > minDMax) {
      return `Node '${name}' delegate protocol version (${dCur}) is incompatible: [${maxDMin}, ${minDMax}]`;
    }
    return undefined;
  };
  for (const r of remote) {
    const full = r.vsn.length >= 6;
    const err = check(r.name, full ? r.vsn[2]! : 0, full ? r.vsn[5]! : 0);
    if (err) return err;
  }
  for (const n of m.nodes.all()) {
    const err = check(n.name, n.pCur, n.dCur);
    if (err) return err;
  }
  return undefined;
}

/** The node an alive claim describes, as the alive, conflict and merge delegates are shown it. */
function nodeFromAlive(a: AliveMessage): Node & { incarnation: number; stateChange: number } {
  const v = a.vsn;
  return {
    name: memberInterns.string(a.node),
    addr: memberInterns.bytes(a.addr),
    port: a.port,
    meta: memberInterns.bytes(a.meta),
    state: NodeState.alive,
    pMin: v[0] ?? 0,
    pMax: v[1] ?? 0,
    pCur: v[2] ?? 0,
    dMin: v[3] ?? 0,
    dMax: v[4] ?? 0,
    dCur: v[5] ?? 0,
    incarnation: a.incarnation,
    stateChange: 0,
  };
}

function bytesToIpSafe(b: Uint8Array): string {
  try {
    return bytesToIp(b);
  } catch {
    return `<${b.length}-byte address>`;
  }
}
