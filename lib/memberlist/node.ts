/**
 * Members as the engine tracks them.
 *
 * @module
 */
import { ipStringOf } from "../util/ip_strings.ts";
import type { Address } from "../util/addr.ts";
import { NodeState, type NodeStateCode } from "./messages.ts";
import type { NodeIdentity } from "./node_identity.ts";

export { NodeState };
export type { NodeStateCode };

/**
 * A cluster member as reported to delegates and callers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, type Node, NodeState, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const node = Memberlist.create({ name: "a", bindAddr: "127.0.0.1", transport, clock });
 * const self: Node = node.localNode();
 * assert.deepEqual([self.name, [...self.addr], self.port], ["a", [127, 0, 0, 1], 7946]);
 * assert.equal(self.state, NodeState.alive);
 * await node.shutdown();
 * ```
 */
export interface Node {
  /** Unique name in the cluster. */
  name: string;
  /** IP as raw bytes (4 or 16), as on the wire. */
  addr: Uint8Array;
  /** Port of both UDP and TCP. */
  port: number;
  /** Application metadata from the delegate's `nodeMeta` (Serf's encoded tags). */
  meta: Uint8Array;
  /** Alive, suspect, dead or left, as memberlist numbers them. */
  state: NodeStateCode;
  /** Oldest memberlist protocol version the node understands. */
  pMin: number;
  /** Newest memberlist protocol version the node understands. */
  pMax: number;
  /** memberlist protocol version the node speaks. */
  pCur: number;
  /** Oldest delegate (Serf) protocol version the node understands. */
  dMin: number;
  /** Newest delegate (Serf) protocol version the node understands. */
  dMax: number;
  /** Delegate (Serf) protocol version the node speaks. */
  dCur: number;
}

/**
 * Internal record: a node as this node sees it, plus what the failure
 * detector needs. The claim's fields live in a {@linkcode NodeIdentity}
 * shared by every record holding the same claim (node_identity.ts says why);
 * the record keeps only its own view and reads the rest through getters. To
 * change the address, metadata or versions, assign a new identity.
 */
export class NodeRecord implements Node {
  identity: NodeIdentity;
  state: NodeStateCode;
  incarnation: number;
  /** When `state` last changed, on the engine's clock. */
  stateChange: number;

  constructor(identity: NodeIdentity, state: NodeStateCode, incarnation: number, stateChange: number) {
    this.identity = identity;
    this.state = state;
    this.incarnation = incarnation;
    this.stateChange = stateChange;
  }

  get name(): string {
    return this.identity.name;
  }
  get addr(): Uint8Array {
    return this.identity.addr;
  }
  get port(): number {
    return this.identity.port;
  }
  get meta(): Uint8Array {
    return this.identity.meta;
  }
  get pMin(): number {
    return this.identity.vsn[0]!;
  }
  get pMax(): number {
    return this.identity.vsn[1]!;
  }
  get pCur(): number {
    return this.identity.vsn[2]!;
  }
  get dMin(): number {
    return this.identity.vsn[3]!;
  }
  get dMax(): number {
    return this.identity.vsn[4]!;
  }
  get dCur(): number {
    return this.identity.vsn[5]!;
  }
}

/** The node's address in transport form (its IP string built once per address array). */
export function nodeAddress(n: Pick<Node, "addr" | "port">): Address {
  return { host: ipStringOf(n.addr), port: n.port };
}

/** A copy safe to hand to delegates (they cannot mutate our record). */
export function snapshotNode(n: Node): Node {
  return {
    name: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    state: n.state,
    pMin: n.pMin,
    pMax: n.pMax,
    pCur: n.pCur,
    dMin: n.dMin,
    dMax: n.dMax,
    dCur: n.dCur,
  };
}

/** The six-byte version vector `[pmin, pmax, pcur, dmin, dmax, dcur]`. */
export function vsnOf(n: Node): number[] {
  return [n.pMin, n.pMax, n.pCur, n.dMin, n.dMax, n.dCur];
}

/** True when two version vectors hold the same numbers. */
export function vsnEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for nodes we no longer probe. */
export function isDeadOrLeft(n: Node): boolean {
  return n.state === NodeState.dead || n.state === NodeState.left;
}

/**
 * Human name of a state, as logs and `members` print it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NodeState, stateName } from "./node.ts";
 *
 * assert.equal(stateName(NodeState.suspect), "suspect");
 * assert.equal(stateName(NodeState.left), "left");
 * ```
 */
export function stateName(s: NodeStateCode): string {
  return ["alive", "suspect", "dead", "left"][s] ?? `unknown(${s})`;
}
