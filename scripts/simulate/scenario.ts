/**
 * One simulation: the agent's Serf and memberlist code, unchanged, on the
 * in-memory network and virtual time, deterministic for a seed. N nodes join
 * in a staggered rollout, one is killed, a user event is sent, optionally a
 * partition cuts the cluster and a share of the nodes restarts at once; the
 * {@linkcode Observer} turns their events into the measurements.
 */
import process from "node:process";
import { VirtualClock } from "../../lib/util/clock.ts";
import { type Random, randomInt, SeededRandom, shuffle } from "../../lib/util/random.ts";
import { MemoryNetwork } from "../../lib/transport/memory.ts";
import {
  defaultLanConfig,
  defaultLocalConfig,
  defaultWanConfig,
  type MemberlistConfig,
} from "../../lib/memberlist/config.ts";
import { Serf } from "../../lib/serf/serf.ts";
import type { Address } from "../../lib/util/addr.ts";
import { CountingLogger, type LogCounts } from "./counting_logger.ts";
import { Observer, type Sample } from "./observer.ts";
import { type SimulateOptions, type Timeline, timelineFor } from "./options.ts";
import { type QueuePeaks, sampleQueues } from "./queues.ts";
import { CostTimeline, type SecondCost } from "./cost_timeline.ts";

/** Everything one run measured; times in simulated seconds, null when it never happened. */
export interface SimulationResult {
  options: SimulateOptions;
  timeline: Timeline;
  wallS: number;
  /** CPU time of the process over the same span (wall time also counts waiting for a busy machine). */
  cpuS: number;
  /** CPU and cluster-wide queue depth for each simulated second. */
  perSecond: SecondCost[];
  /** CPU seconds per simulated second over the last quarter of the run (the steady state, if it drained). */
  tailCpuPerS: number | null;
  /** First second after the rollout at which the cluster's memberlist queues held fewer messages than nodes. */
  queuesDrainedS: number | null;
  peakRssMb: number;
  /**
   * Heap still reachable at the end, before shutdown, after a full collection: only when V8 exposes
   * `gc` (`--v8-flags=--expose-gc`), since forcing one is what makes the number mean something.
   */
  liveHeapMb?: number;
  /** From the start, when every live node first held exactly the live members (after the last join). */
  joinConvergedS: number | null;
  /** From the kill, when every live node had marked the killed node failed. */
  failureDetectedS: number | null;
  /** From the send, when every live node had delivered the user event. */
  eventReachedS: number | null;
  falseFailures: number;
  falseFailureEvents: number;
  partitionFailureEvents: number;
  bytesPerNodePerS: number;
  packetsSent: number;
  packetsDropped: number;
  logs: LogCounts;
  queues: QueuePeaks;
  /** For `--restart`: when the cluster was whole again after the restarted nodes came back, and leftovers. */
  restart?: { reconvergedS: number | null; peakMissingPairs: number; missingPairsAtEnd: number };
  /** For `--partition`: when the cluster was whole again after the heal. */
  partition?: { reconvergedS: number | null; missingPairsAtEnd: number };
  samples: Sample[];
}

const PORT = 7946;
const EVENT_NAME = "simulated-deploy";
const JOIN_ATTEMPTS = 10;

/** Node `i`'s address: 10.x.y.z, one host per node. */
export function addressOf(i: number): Address {
  const n = i + 1;
  return { host: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: PORT };
}

/** Node `i`'s name, zero-padded so names sort in node order. */
export function nameOf(i: number): string {
  return `node-${String(i).padStart(5, "0")}`;
}

function profileConfig(profile: SimulateOptions["profile"]): MemberlistConfig {
  return profile === "wan"
    ? defaultWanConfig()
    : profile === "local"
    ? defaultLocalConfig()
    : defaultLanConfig();
}

/** Hooks for watching a long run. */
export interface SimulateHooks {
  /**
   * Called after each whole simulated second with its cost: a 1,000-node run
   * takes minutes, and the join storm is visible here as it happens.
   * @default undefined (silent)
   */
  onSecond?: (second: SecondCost) => void;
}

/** Runs one simulation to its end and returns what it measured. */
export async function simulate(
  options: SimulateOptions,
  hooks: SimulateHooks = {},
): Promise<SimulationResult> {
  return await new Simulation(options, hooks).run();
}

class Simulation {
  readonly #o: SimulateOptions;
  readonly #timeline: Timeline;
  readonly #clock = new VirtualClock(undefined, { batchWindowMs: 1 });
  readonly #start: number;
  readonly #schedule: Random;
  readonly #network: MemoryNetwork;
  readonly #logger = new CountingLogger();
  readonly #names: string[];
  readonly #serfs: (Serf | undefined)[];
  readonly #generation: number[];
  readonly #observer: Observer;
  readonly #side: Uint8Array;
  /** Set once a partition starts and kept after the heal: news of a failure across the cut outlives the cut. */
  #partitionStarted = false;
  readonly #pending = new Set<Promise<unknown>>();
  #peakRss = 0;

  readonly #hooks: SimulateHooks;

  constructor(options: SimulateOptions, hooks: SimulateHooks) {
    this.#o = options;
    this.#hooks = hooks;
    this.#timeline = timelineFor(options);
    this.#start = this.#clock.now();
    this.#schedule = new SeededRandom(options.seed);
    this.#network = new MemoryNetwork({
      clock: this.#clock,
      rng: new SeededRandom(options.seed + 1),
      defaultLatencyMs: options.latencyMs,
      loss: options.loss,
    });
    this.#names = Array.from({ length: options.nodes }, (_, i) => nameOf(i));
    this.#serfs = new Array(options.nodes).fill(undefined);
    this.#generation = new Array(options.nodes).fill(0);
    this.#side = new Uint8Array(options.nodes);
    this.#observer = new Observer(
      this.#names,
      (a, b) => !this.#partitionStarted || this.#side[a] === this.#side[b],
    );
  }

  /** Simulated seconds since the start. */
  #t(): number {
    return (this.#clock.now() - this.#start) / 1000;
  }

  #at(seconds: number, fn: () => void): void {
    this.#clock.setTimer(seconds * 1000 - (this.#clock.now() - this.#start), fn);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch(() => {}).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async run(): Promise<SimulationResult> {
    const o = this.#o;
    const tl = this.#timeline;
    const wallStart = performance.now();
    const cpuStart = cpuSeconds();
    this.#scheduleRollout();
    const victim = o.nodes > 1 ? 1 + randomInt(this.#schedule, o.nodes - 1) : -1;
    let eventAt = -1;
    if (o.nodes > 1) {
      this.#observer.setVictim(victim);
      this.#at(tl.killS, () => this.#stop(victim));
    }
    this.#at(tl.eventS, () => {
      const sender = this.#randomUp((i) => i !== victim);
      if (sender === undefined) return;
      this.#observer.setEventName(EVENT_NAME);
      this.#serfs[sender]!.userEvent(EVENT_NAME, new TextEncoder().encode("v2"), false);
      eventAt = this.#t();
    });
    if (o.partition) this.#schedulePartition();
    const restartAt = o.restart ? this.#scheduleRestart(victim) : -1;

    let joinConvergedS: number | null = null;
    let failureDetectedS: number | null = null;
    let eventReachedS: number | null = null;
    let restartReconvergedS: number | null = null;
    let partitionReconvergedS: number | null = null;
    const queues: QueuePeaks = { intentMax: 0, eventMax: 0, memberlistMax: 0, memberlistTotal: 0, atS: 0 };
    const endMs = o.seconds * 1000;
    const stepMs = o.sampleS * 1000;
    const obs = this.#observer;
    const costs = new CostTimeline(cpuSeconds);
    obs.sample(0);
    while (this.#clock.now() - this.#start < endMs) {
      const left = endMs - (this.#clock.now() - this.#start);
      await this.#clock.advance(Math.min(stepMs, left));
      const t = this.#t();
      obs.sample(t);
      const recorded = costs.seconds.length;
      costs.sample(t, sampleQueues(this.#serfs, queues, t));
      if (costs.seconds.length > recorded) this.#hooks.onSecond?.(costs.seconds.at(-1)!);
      this.#peakRss = Math.max(this.#peakRss, Deno.memoryUsage().rss);
      const whole = obs.liveCount > 0 && obs.convergedNodes() === obs.liveCount;
      if (joinConvergedS === null && t >= tl.joinWindowS && whole) joinConvergedS = t;
      if (failureDetectedS === null && t > tl.killS && obs.victimFailedCount() === obs.liveCount) {
        failureDetectedS = t - tl.killS;
      }
      if (eventReachedS === null && eventAt >= 0 && obs.eventDeliveredCount() === obs.liveCount) {
        eventReachedS = t - eventAt;
      }
      if (o.restart && restartAt >= 0 && t > restartAt) {
        if (restartReconvergedS === null && whole) restartReconvergedS = t - restartAt;
        obs.peakMissingPairs = Math.max(obs.peakMissingPairs, obs.missingPairs());
      }
      if (o.partition && t > o.partition.toS && partitionReconvergedS === null && whole) {
        partitionReconvergedS = t - o.partition.toS;
      }
    }
    const wallS = (performance.now() - wallStart) / 1000;
    const c = this.#network.counters;
    const result: SimulationResult = {
      options: o,
      timeline: tl,
      wallS,
      cpuS: cpuSeconds() - cpuStart,
      perSecond: costs.seconds,
      tailCpuPerS: costs.cpuPerSecondAfter(o.seconds * 0.75),
      queuesDrainedS: costs.drainedAt(tl.joinWindowS, o.nodes),
      peakRssMb: Math.max(this.#peakRss, peakRssOfProcess()) / 2 ** 20,
      joinConvergedS,
      failureDetectedS,
      eventReachedS,
      falseFailures: obs.falseFailures.size,
      falseFailureEvents: obs.falseFailureEvents,
      partitionFailureEvents: obs.partitionFailureEvents,
      bytesPerNodePerS: (c.packetBytesSent + c.streamBytesSent) / o.nodes / o.seconds,
      packetsSent: c.packetsSent,
      packetsDropped: c.packetsDropped,
      logs: { ...this.#logger.counts },
      queues,
      samples: obs.samples,
    };
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      const m = Deno.memoryUsage();
      result.liveHeapMb = (m.heapUsed + m.external) / 2 ** 20;
    }
    if (o.restart) {
      result.restart = {
        reconvergedS: restartReconvergedS,
        peakMissingPairs: obs.peakMissingPairs,
        missingPairsAtEnd: obs.missingPairs(),
      };
    }
    if (o.partition) {
      result.partition = { reconvergedS: partitionReconvergedS, missingPairsAtEnd: obs.missingPairs() };
    }
    await this.#shutdown();
    return result;
  }

  /** Node 0 starts at once; the others at random times over the join window, each joining a started node. */
  #scheduleRollout(): void {
    const n = this.#o.nodes;
    const windowS = this.#timeline.joinWindowS;
    const times = Array.from({ length: n - 1 }, () => this.#schedule.next() * windowS).sort((a, b) => a - b);
    this.#startNode(0, false);
    times.forEach((at, k) => this.#at(at, () => this.#startNode(k + 1, true)));
  }

  /** Picks a random live node passing `ok`, or undefined after a bounded search. */
  #randomUp(ok: (i: number) => boolean): number | undefined {
    const n = this.#o.nodes;
    for (let tries = 0; tries < 64; tries++) {
      const i = randomInt(this.#schedule, n);
      if (this.#observer.isUp(i) && ok(i)) return i;
    }
    for (let i = 0; i < n; i++) if (this.#observer.isUp(i) && ok(i)) return i;
    return undefined;
  }

  #startNode(i: number, join: boolean): void {
    const addr = addressOf(i);
    const transport = this.#network.listen(addr);
    const generation = ++this.#generation[i]!;
    this.#observer.nodeUp(i);
    const created = Serf.create({
      nodeName: this.#names[i]!,
      memberlist: {
        ...profileConfig(this.#o.profile),
        bindAddr: addr.host,
        bindPort: addr.port,
        transport,
        clock: this.#clock,
        rng: new SeededRandom(this.#o.seed * 7919 + i * 104729 + generation),
        logger: this.#logger,
      },
    });
    this.#track(created.then(async (serf) => {
      if (this.#generation[i] !== generation) return;
      this.#serfs[i] = serf;
      if (join) this.#track(this.#join(i, generation, 0));
      for await (const e of serf.events) {
        if (this.#generation[i] !== generation) break;
        this.#observer.onEvent(i, e);
      }
    }));
  }

  /** Joins through one random live node, retrying through another a second later (bounded). */
  async #join(i: number, generation: number, attempt: number): Promise<void> {
    const serf = this.#serfs[i];
    const through = this.#randomUp((j) => j !== i && this.#serfs[j] !== undefined);
    if (!serf || through === undefined || this.#generation[i] !== generation) return;
    const a = addressOf(through);
    const joined = await serf.join([`${a.host}:${a.port}`]).catch(() => 0);
    if (joined > 0 || attempt + 1 >= JOIN_ATTEMPTS || this.#generation[i] !== generation) return;
    await this.#clock.sleep(1_000);
    await this.#join(i, generation, attempt + 1);
  }

  /** The host vanishes without a goodbye; its Serf stops so its timers stop costing. */
  #stop(i: number): void {
    const serf = this.#serfs[i];
    if (!serf || !this.#observer.isUp(i)) return;
    this.#generation[i]!++;
    this.#observer.nodeDown(i);
    this.#network.kill(addressOf(i));
    this.#serfs[i] = undefined;
    this.#track(serf.shutdown());
  }

  #schedulePartition(): void {
    const p = this.#o.partition!;
    const order = shuffle(this.#schedule, Array.from({ length: this.#o.nodes }, (_, i) => i));
    const sizeA = Math.round((this.#o.nodes * p.percentA) / 100);
    order.forEach((node, k) => this.#side[node] = k < sizeA ? 0 : 1);
    this.#at(p.fromS, () => {
      const a: Address[] = [];
      const b: Address[] = [];
      for (let i = 0; i < this.#o.nodes; i++) (this.#side[i] === 0 ? a : b).push(addressOf(i));
      this.#network.partition(a, b);
      this.#partitionStarted = true;
    });
    this.#at(p.toS, () => {
      this.#network.heal();
    });
  }

  /** @returns when the restarted nodes come back, in seconds */
  #scheduleRestart(victim: number): number {
    const r = this.#o.restart!;
    const count = Math.round((this.#o.nodes * r.percent) / 100);
    const chosen = shuffle(this.#schedule, Array.from({ length: this.#o.nodes }, (_, i) => i))
      .filter((i) => i !== victim && i !== 0)
      .slice(0, count);
    this.#at(r.atS, () => {
      for (const i of chosen) this.#stop(i);
    });
    this.#at(r.atS + r.downS, () => {
      for (const i of chosen) this.#startNode(i, true);
    });
    return r.atS + r.downS;
  }

  /** Stops every node, advancing virtual time so their loops can finish (bounded). */
  async #shutdown(): Promise<void> {
    for (let i = 0; i < this.#o.nodes; i++) {
      const serf = this.#serfs[i];
      if (!serf) continue;
      this.#generation[i]!++;
      this.#serfs[i] = undefined;
      this.#track(serf.shutdown());
    }
    await this.#clock.advanceUntil(() => this.#pending.size === 0, 30_000, 100);
  }
}

/** User plus system CPU time of this process, in seconds. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The kernel's high-water mark of this process's resident memory, in bytes (0 where unavailable). */
function peakRssOfProcess(): number {
  try {
    return process.resourceUsage().maxRSS * 1024;
  } catch {
    return 0;
  }
}
