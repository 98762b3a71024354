/**
 * The member list itself: a shuffled array for round-robin probing (SWIM's
 * randomised round-robin gives a bounded worst-case detection time) plus a
 * name index.
 *
 * Nodes dead or left for longer than `gossipToTheDeadTime` are purged so the
 * table does not grow forever (memberlist 0.3.1 does the same). A purged
 * record is remembered, in a bounded list, so that a stale alive claim about it
 * (older incarnation, e.g. from a peer that missed the leave) is judged against
 * what we knew instead of looking like a brand-new node: otherwise handlers
 * would see a false join and, a little later, a false failure.
 *
 * @module
 */
import { type Random, randomInt, shuffle } from "../util/random.ts";
import { NodeState } from "./messages.ts";
import type { NodeRecord } from "./node.ts";

/**
 * How many purged records are remembered (oldest forgotten first). A few
 * hundred bytes each: bounded memory even with endless churn of unique names.
 */
export const PURGED_MEMORY = 8192;

/** Owns node records; the state machine mutates records in place. */
export class NodeTable {
  #nodes: NodeRecord[] = [];
  #byName = new Map<string, NodeRecord>();
  /** Recently purged records by name, oldest first (Map insertion order). */
  #purged = new Map<string, NodeRecord>();
  #rng: Random;
  /** Position of the next node to probe in the round-robin. */
  probeIndex = 0;

  #onAdd: () => void;

  /** @param onAdd called after each record is added (it wakes loops parked while we were alone) */
  constructor(rng: Random, onAdd: () => void = () => {}) {
    this.#rng = rng;
    this.#onAdd = onAdd;
  }

  get size(): number {
    return this.#nodes.length;
  }

  get(name: string): NodeRecord | undefined {
    return this.#byName.get(name);
  }

  /** All records, in probe order. Do not mutate the array. */
  all(): readonly NodeRecord[] {
    return this.#nodes;
  }

  /** Adds a record at a random position so new nodes are probed soon but not in join order. */
  add(record: NodeRecord): void {
    this.#byName.set(record.name, record);
    const n = this.#nodes.length;
    this.#nodes.push(record);
    const offset = randomInt(this.#rng, n + 1);
    // A plain swap: destructuring allocated an array per add, n² of them in a simulated rollout.
    this.#nodes[n] = this.#nodes[offset]!;
    this.#nodes[offset] = record;
    this.#onAdd();
  }

  /**
   * Forgets nodes that have been dead or left for longer than `gossipToTheDeadMs`
   * and reshuffles the rest: called when a probe round completes.
   * @returns the names removed
   */
  resetRound(now: number, gossipToTheDeadMs: number): string[] {
    const removed: string[] = [];
    const keep: NodeRecord[] = [];
    for (const n of this.#nodes) {
      const gone = (n.state === NodeState.dead || n.state === NodeState.left) &&
        now - n.stateChange > gossipToTheDeadMs;
      if (gone) {
        removed.push(n.name);
        this.#byName.delete(n.name);
        this.#remember(n);
      } else {
        keep.push(n);
      }
    }
    this.#nodes = shuffle(this.#rng, keep);
    this.probeIndex = 0;
    return removed;
  }

  #remember(record: NodeRecord): void {
    this.#purged.delete(record.name);
    this.#purged.set(record.name, record);
    if (this.#purged.size > PURGED_MEMORY) this.#purged.delete(this.#purged.keys().next().value!);
  }

  /**
   * Puts a purged record back, as it was when purged but with `stateChange`
   * set to `now` (so it is purged again after another `gossipToTheDeadTime`),
   * before a claim about that name is judged. Memberlist without purging would
   * still hold it: a stale alive is then ignored, a refutation or a new address
   * accepted, and a push/pull tells a restarted node what we believed of it.
   * @returns the record back in the table, or undefined when none was purged
   */
  recall(name: string, now: number): NodeRecord | undefined {
    const record = this.#purged.get(name);
    if (!record || this.#byName.has(name)) return undefined;
    this.#purged.delete(name);
    record.stateChange = now;
    this.add(record);
    return record;
  }

  /** How many purged records are remembered (for tests and stats). */
  get purgedCount(): number {
    return this.#purged.size;
  }

  /**
   * Picks up to `k` distinct random records rejected by none of `exclude`,
   * trying at most 3n draws so small clusters are searched exhaustively.
   */
  randomNodes(k: number, exclude: (n: NodeRecord) => boolean): NodeRecord[] {
    const n = this.#nodes.length;
    const picked: NodeRecord[] = [];
    for (let i = 0; i < 3 * n && picked.length < k; i++) {
      const node = this.#nodes[randomInt(this.#rng, n)]!;
      if (exclude(node) || picked.includes(node)) continue;
      picked.push(node);
    }
    return picked;
  }

  /** Count of nodes not dead or left (memberlist's NumMembers). */
  countAlive(): number {
    let c = 0;
    for (const n of this.#nodes) if (n.state !== NodeState.dead && n.state !== NodeState.left) c++;
    return c;
  }
}
