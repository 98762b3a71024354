/**
 * Test harness: Serf nodes on the in-memory network and virtual time.
 */
import type { Address } from "../../lib/util/addr.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { MemoryNetwork } from "../../lib/transport/memory.ts";
import { defaultLanConfig } from "../../lib/memberlist/config.ts";
import { Serf, type SerfOptions } from "../../lib/serf/serf.ts";
import type { SerfEvent } from "../../lib/serf/types.ts";

export interface TestSerf {
  name: string;
  address: string;
  addr: Address;
  serf: Serf;
  events: SerfEvent[];
  logs: string[];
}

export class SerfCluster {
  clock = new VirtualClock();
  rng: SeededRandom;
  network: MemoryNetwork;
  nodes: TestSerf[] = [];
  #port = 8000;

  /** @param latency one-way delay per packet, by default 1 ms */
  constructor(seed = 1, latency?: (from: Address, to: Address) => number) {
    this.rng = new SeededRandom(seed);
    this.network = new MemoryNetwork({
      clock: this.clock,
      rng: new SeededRandom(seed + 99),
      defaultLatencyMs: 1,
      latency,
    });
  }

  async add(name: string, options: Partial<Omit<SerfOptions, "memberlist">> & {
    memberlist?: Partial<SerfOptions["memberlist"]>;
    port?: number;
  } = {}): Promise<TestSerf> {
    const port = options.port ?? this.#port++;
    const logs: string[] = [];
    const clock = this.clock;
    const serf = await Serf.create({
      nodeName: name,
      ...options,
      memberlist: {
        ...defaultLanConfig(),
        bindAddr: "127.0.0.1",
        bindPort: port,
        ...options.memberlist,
        transport: this.network.listen({ host: "127.0.0.1", port }),
        clock,
        rng: new SeededRandom(Math.floor(this.rng.next() * 2 ** 31)),
        logger: new Logger({ sink: (l) => logs.push(l), level: "DEBUG", now: () => clock.now() }),
      },
    });
    const events: SerfEvent[] = [];
    (async () => {
      for await (const e of serf.events) events.push(e);
    })();
    const node = {
      name,
      address: `127.0.0.1:${port}`,
      addr: { host: "127.0.0.1", port },
      serf,
      events,
      logs,
    };
    this.nodes.push(node);
    return node;
  }

  /** Runs `p` while advancing virtual time until it settles (bounded). */
  async run<T>(p: Promise<T>, maxMs = 30_000): Promise<T> {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    await this.clock.advanceUntil(() => done, maxMs, 10);
    return await p;
  }

  async joinAll(): Promise<void> {
    for (const n of this.nodes.slice(1)) await this.run(n.serf.join([this.nodes[0]!.address]));
  }

  statusOf(viewer: TestSerf, name: string): string | undefined {
    return viewer.serf.allMembers().find((m) => m.name === name)?.status;
  }

  async converge(n = this.nodes.length, maxMs = 30_000): Promise<boolean> {
    return await this.clock.advanceUntil(
      () => this.nodes.every((x) => x.serf.allMembers().filter((m) => m.status === "alive").length === n),
      maxMs,
      100,
    );
  }

  async shutdown(): Promise<void> {
    for (const n of this.nodes) await this.run(n.serf.shutdown(), 5_000).catch(() => {});
  }
}
