/**
 * What the simulator measures, fed by the Serf events every node delivers:
 * how many live members each node believes alive, whether it has marked the
 * killed node failed, whether it has delivered the user event, and which live
 * nodes anyone declared failed. Everything is a counter or a flag per node,
 * so watching 10,000 nodes costs O(1) per event and O(n) per sample, never
 * a node-pair table.
 */
import type { SerfEvent } from "../../lib/serf/types.ts";

/** One point of the dissemination curves. */
export interface Sample {
  /** Simulated seconds from the start. */
  t: number;
  /** Mean share of the live members each live node believes alive (capped at 1). */
  known: number;
  /** Share of live nodes that marked the killed node failed. */
  failed: number;
  /** Share of live nodes that delivered the user event. */
  event: number;
}

/** Per-node state, indexed by node number. */
interface NodeView {
  up: boolean;
  /** Members this node's Serf holds alive (itself included), from join minus failed/left events. */
  aliveKnown: number;
  /** The killed node is among the members this node holds alive. */
  victimInView: boolean;
  victimFailed: boolean;
  /**
   * The node held the killed node alive when it was killed, so it owes a failed event. One that did
   * not (it started later, or its view was still filling) owes nothing while the killed node stays
   * out of its view: its join's push/pull may simply have said dead already.
   */
  heldVictimAtKill: boolean;
  eventDelivered: boolean;
}

/** Decides whether a failure declared by an observer about a peer is explained by a partition (then false). */
export type Reachable = (observer: number, peer: number) => boolean;

/** Collects the measurements of one run. */
export class Observer {
  readonly #views: NodeView[];
  readonly #indexOf: Map<string, number>;
  #victim = -1;
  #eventName = "";
  #live = 0;
  readonly #reachable: Reachable;
  /** Names of nodes that were up (and not the victim) when some reachable peer declared them failed. */
  readonly falseFailures = new Set<string>();
  falseFailureEvents = 0;
  /** Failures declared across a partition's cut, during it or after it healed (expected). */
  partitionFailureEvents = 0;
  readonly samples: Sample[] = [];
  /** Largest number of (observer, live peer) pairs missing after the first full convergence. */
  peakMissingPairs = 0;

  /**
   * @param names every node's name, by node number
   * @param reachable whether a failure declared by one node about another is explained by a partition
   */
  constructor(names: readonly string[], reachable: Reachable) {
    this.#views = names.map(() => ({
      up: false,
      aliveKnown: 0,
      victimInView: false,
      victimFailed: false,
      heldVictimAtKill: false,
      eventDelivered: false,
    }));
    this.#indexOf = new Map(names.map((n, i) => [n, i]));
    this.#reachable = reachable;
  }

  /** Node `i` started (again): it knows nothing yet. */
  nodeUp(i: number): void {
    const v = this.#views[i]!;
    if (!v.up) this.#live++;
    Object.assign(v, {
      up: true,
      aliveKnown: 0,
      victimInView: false,
      victimFailed: false,
      heldVictimAtKill: false,
      eventDelivered: false,
    });
  }

  /** Node `i` stopped; its later events are ignored. */
  nodeDown(i: number): void {
    const v = this.#views[i]!;
    if (v.up) this.#live--;
    v.up = false;
    if (i === this.#victim) { for (const w of this.#views) w.heldVictimAtKill = w.up && w.victimInView; }
  }

  isUp(i: number): boolean {
    return this.#views[i]!.up;
  }

  get liveCount(): number {
    return this.#live;
  }

  /** The node killed for failure detection. */
  setVictim(i: number): void {
    this.#victim = i;
  }

  #victimDown(): boolean {
    return this.#victim >= 0 && !this.#views[this.#victim]!.up;
  }

  /** Whether view `v` is done with the killed node: out of the view, and marked failed if it was held at the kill. */
  #victimSettled(v: NodeView): boolean {
    return !v.victimInView && (v.victimFailed || !v.heldVictimAtKill);
  }

  /** The name of the user event whose dissemination is measured. */
  setEventName(name: string): void {
    this.#eventName = name;
  }

  /** Applies one event delivered by node `i`. */
  onEvent(i: number, e: SerfEvent): void {
    const v = this.#views[i]!;
    if (!v.up) return;
    if (e.type === "user") {
      if (e.name === this.#eventName) v.eventDelivered = true;
      return;
    }
    if (e.type === "query") return;
    for (const m of e.members) {
      const peer = this.#indexOf.get(m.name);
      if (e.type === "member-join") {
        v.aliveKnown++;
        if (peer === this.#victim) {
          v.victimFailed = false;
          v.victimInView = true;
        }
      } else if (e.type === "member-failed" || e.type === "member-leave") {
        v.aliveKnown--;
        if (peer === this.#victim) v.victimInView = false;
        if (peer === undefined || e.type === "member-leave") continue;
        if (peer === this.#victim) v.victimFailed = true;
        else if (this.#views[peer]!.up) {
          if (this.#reachable(i, peer)) {
            this.falseFailures.add(m.name);
            this.falseFailureEvents++;
          } else this.partitionFailureEvents++;
        }
      }
    }
  }

  /** Live nodes whose view holds exactly the live members (the killed node counts until they mark it). */
  convergedNodes(): number {
    let c = 0;
    const victimDown = this.#victimDown();
    for (const v of this.#views) {
      if (!v.up) continue;
      const expected = this.#live + (victimDown && v.victimInView ? 1 : 0);
      if (v.aliveKnown === expected) c++;
    }
    return c;
  }

  /** (observer, live peer) pairs missing from live nodes' views, counting each node's own view as one. */
  missingPairs(): number {
    let missing = 0;
    const victimDown = this.#victimDown();
    for (const v of this.#views) {
      if (!v.up) continue;
      const known = v.aliveKnown - (victimDown && v.victimInView ? 1 : 0);
      if (known < this.#live) missing += this.#live - known;
    }
    return missing;
  }

  /** Live nodes done with the victim: marked it failed, or never held it alive since the kill. */
  victimFailedCount(): number {
    let c = 0;
    for (const v of this.#views) if (v.up && this.#victimSettled(v)) c++;
    return c;
  }

  /** Live nodes that delivered the event. */
  eventDeliveredCount(): number {
    let c = 0;
    for (const v of this.#views) if (v.up && v.eventDelivered) c++;
    return c;
  }

  /** Records one point of the curves at `t` seconds. */
  sample(t: number): Sample {
    let known = 0;
    const victimDown = this.#victimDown();
    for (const v of this.#views) {
      if (!v.up) continue;
      const k = v.aliveKnown - (victimDown && v.victimInView ? 1 : 0);
      known += Math.min(1, k / this.#live);
    }
    const live = Math.max(1, this.#live);
    const s = {
      t,
      known: known / live,
      failed: this.#victim >= 0 ? this.victimFailedCount() / live : 0,
      event: this.#eventName ? this.eventDeliveredCount() / live : 0,
    };
    this.samples.push(s);
    return s;
  }
}
