/**
 * Test harness: many memberlist nodes on the in-memory network and virtual time.
 */
import type { Address } from "../../lib/util/addr.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { MemoryNetwork } from "../../lib/transport/memory.ts";
import { defaultLanConfig, type MemberlistConfig } from "../../lib/memberlist/config.ts";
import { Memberlist } from "../../lib/memberlist/memberlist.ts";
import type { EventDelegate } from "../../lib/memberlist/delegate.ts";
import type { Node } from "../../lib/memberlist/node.ts";

export interface TestNode {
  name: string;
  address: string;
  addr: Address;
  m: Memberlist;
  logs: string[];
  events: { type: "join" | "leave" | "update"; node: string; at: number }[];
}

export class TestCluster {
  clock = new VirtualClock();
  rng: SeededRandom;
  network: MemoryNetwork;
  nodes: TestNode[] = [];
  #nextPort = 7000;

  constructor(seed = 1, options: { latencyMs?: number } = {}) {
    this.rng = new SeededRandom(seed);
    this.network = new MemoryNetwork({
      clock: this.clock,
      rng: new SeededRandom(seed + 1000),
      defaultLatencyMs: options.latencyMs ?? 1,
    });
  }

  /**
   * Starts a node on 127.0.0.1 with the next free port, its random source
   * seeded from the cluster's unless `overrides.rng` is given.
   */
  add(overrides: Partial<MemberlistConfig> = {}): TestNode {
    const port = this.#nextPort++;
    const name = overrides.name ?? `node-${this.nodes.length}`;
    const logs: string[] = [];
    const events: TestNode["events"] = [];
    const clock = this.clock;
    const eventDelegate: EventDelegate = {
      notifyJoin: (n: Node) => events.push({ type: "join", node: n.name, at: clock.now() }),
      notifyLeave: (n: Node) => events.push({ type: "leave", node: n.name, at: clock.now() }),
      notifyUpdate: (n: Node) => events.push({ type: "update", node: n.name, at: clock.now() }),
    };
    const transport = this.network.listen({ host: "127.0.0.1", port });
    const m = Memberlist.create({
      ...defaultLanConfig(),
      bindAddr: "127.0.0.1",
      bindPort: port,
      events: eventDelegate,
      ...overrides,
      name,
      transport,
      clock: this.clock,
      rng: overrides.rng ?? new SeededRandom(this.rng.next() * 2 ** 32),
      logger: new Logger({ sink: (l) => logs.push(l), level: "DEBUG", now: () => clock.now() }),
    });
    const node = { name, address: `127.0.0.1:${port}`, addr: { host: "127.0.0.1", port }, m, logs, events };
    this.nodes.push(node);
    return node;
  }

  /** Joins every node after the first to the first one. */
  async joinAll(): Promise<void> {
    const seed = this.nodes[0]!.address;
    for (const n of this.nodes.slice(1)) {
      const p = n.m.join([seed]);
      await this.clock.advanceUntil(() => settled(p), 5_000, 10);
      await p;
    }
  }

  /** Names of alive/suspect members as `n` sees them. */
  view(n: TestNode): string[] {
    return n.m.members().map((x) => x.name).sort();
  }

  /** State name of `name` as `viewer` sees it, or undefined if unknown. */
  stateOf(viewer: TestNode, name: string): number | undefined {
    return viewer.m.allNodes().find((x) => x.name === name)?.state;
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.m.shutdown()));
    await this.clock.advance(1);
  }
}

const settledPromises = new WeakSet<Promise<unknown>>();
/** True once `p` has resolved or rejected (checked without awaiting). */
export function settled(p: Promise<unknown>): boolean {
  if (!settledPromises.has(p)) {
    settledPromises.add(p);
    p.then(() => markDone(p), () => markDone(p));
  }
  return done.has(p);
}
const done = new WeakSet<Promise<unknown>>();
function markDone(p: Promise<unknown>): void {
  done.add(p);
}
