/**
 * Drives TransmitLimitedQueue and a sort-everything model of memberlist's
 * queue with the same random operations and compares everything a caller can
 * see: the messages each packet takes, the count, and the order in which
 * broadcasts are asked `invalidates` and told `finished`.
 */
import assert from "node:assert/strict";
import { type Broadcast, TransmitLimitedQueue } from "../../lib/memberlist/broadcast_queue.ts";
import { retransmitLimit } from "../../lib/memberlist/math.ts";
import { randomInt, SeededRandom } from "../../lib/util/random.ts";

interface Spec {
  text: string;
  name?: string;
  unique?: boolean;
  subject?: string;
  /** Queue a unique broadcast `after <text>` on its own side when finished. */
  followUp?: boolean;
}

/** One side's broadcast: logs what its queue asks of it. */
class LoggedBroadcast implements Broadcast {
  readonly name?: string;
  readonly unique?: boolean;
  constructor(readonly spec: Spec, readonly log: string[], readonly requeue: (s: Spec) => void) {
    this.name = spec.name;
    this.unique = spec.unique;
  }
  message(): Uint8Array {
    return new TextEncoder().encode(this.spec.text);
  }
  invalidates(other: Broadcast): boolean {
    const o = (other as LoggedBroadcast).spec;
    this.log.push(`ask ${this.spec.text} about ${o.text}`);
    return this.spec.subject !== undefined && o.subject === this.spec.subject;
  }
  finished(): void {
    this.log.push(`finished ${this.spec.text}`);
    if (this.spec.followUp) this.requeue({ text: `after ${this.spec.text}`, unique: true });
  }
}

interface ModelEntry {
  b: LoggedBroadcast;
  id: number;
  transmits: number;
}

/** memberlist's queue the obvious way: one list, sorted whenever an order matters. */
class ModelQueue {
  entries: ModelEntry[] = [];
  #nextId = 0;
  constructor(readonly numNodes: () => number, readonly mult: number) {}

  queue(b: LoggedBroadcast): void {
    const len = (e: ModelEntry) => e.b.spec.text.length;
    let gone: ModelEntry[] = [];
    if (b.name) {
      gone = this.entries.filter((e) => e.b.name === b.name);
    } else if (!b.unique) {
      // Asked from the least sent, and within that from the smallest and oldest.
      const order = [...this.entries].sort((x, y) =>
        x.transmits - y.transmits || len(x) - len(y) || x.id - y.id
      );
      gone = order.filter((e) => !e.b.name && !e.b.unique && b.invalidates(e.b));
    }
    this.entries = this.entries.filter((e) => !gone.includes(e));
    this.entries.push({ b, id: this.#nextId++, transmits: 0 });
    for (const e of gone) e.b.finished();
  }

  get(overhead: number, limit: number): string[] {
    const len = (e: ModelEntry) => e.b.spec.text.length;
    const order = [...this.entries].sort((x, y) =>
      x.transmits - y.transmits || len(y) - len(x) || y.id - x.id
    );
    const lim = retransmitLimit(this.mult, this.numNodes());
    const taken: ModelEntry[] = [];
    let used = 0;
    for (;;) {
      const free = limit - used - overhead;
      if (free <= 0) break;
      const pick = order.find((e) => !taken.includes(e) && len(e) <= free);
      if (!pick) break;
      taken.push(pick);
      used += overhead + len(pick);
    }
    for (const e of taken) e.transmits++;
    const done = taken.filter((e) => e.transmits >= lim);
    this.entries = this.entries.filter((e) => !done.includes(e));
    for (const e of done) e.b.finished();
    return taken.map((e) => e.b.spec.text);
  }

  prune(max: number): void {
    const len = (e: ModelEntry) => e.b.spec.text.length;
    const dropOrder = [...this.entries].sort((x, y) =>
      y.transmits - x.transmits || len(x) - len(y) || x.id - y.id
    );
    const gone = dropOrder.slice(0, Math.max(0, this.entries.length - max));
    this.entries = this.entries.filter((e) => !gone.includes(e));
    for (const e of gone) e.b.finished();
  }

  reset(): void {
    const len = (e: ModelEntry) => e.b.spec.text.length;
    const all = [...this.entries].sort((x, y) => x.transmits - y.transmits || len(x) - len(y) || x.id - y.id);
    this.entries = [];
    for (const e of all) e.b.finished();
  }
}

/** Runs `steps` random operations on both queues, asserting they agree after each. */
function runDifferential(seed: number, steps: number, lengths: () => number, rng: SeededRandom): void {
  let nodes = 1 + randomInt(rng, 50);
  const mult = 1 + randomInt(rng, 4);
  const queueLog: string[] = [];
  const modelLog: string[] = [];
  const q = new TransmitLimitedQueue({ numNodes: () => nodes, retransmitMult: mult });
  const model = new ModelQueue(() => nodes, mult);
  const toQueue = (s: Spec) => q.queueBroadcast(new LoggedBroadcast(s, queueLog, toQueue));
  const toModel = (s: Spec) => model.queue(new LoggedBroadcast(s, modelLog, toModel));

  for (let step = 0; step < steps; step++) {
    const op = randomInt(rng, 100);
    const where = `seed ${seed} step ${step}`;
    if (op < 50) {
      const kind = randomInt(rng, 3);
      const tag = `#${step}:`;
      const spec: Spec = {
        text: tag + "x".repeat(Math.max(0, lengths() - tag.length)),
        name: kind === 0 ? `node-${randomInt(rng, 12)}` : undefined,
        unique: kind === 1 || randomInt(rng, 8) === 0,
        subject: randomInt(rng, 3) === 0 ? undefined : `s${randomInt(rng, 6)}`,
        followUp: randomInt(rng, 10) === 0,
      };
      toQueue(spec);
      toModel(spec);
    } else if (op < 85) {
      const overhead = randomInt(rng, 4);
      const limit = randomInt(rng, 5) === 0 ? randomInt(rng, 40) : randomInt(rng, 600);
      assert.deepEqual(
        q.getBroadcasts(overhead, limit).map((m) => new TextDecoder().decode(m)),
        model.get(overhead, limit),
        where,
      );
    } else if (op < 93) {
      const max = randomInt(rng, 30);
      q.prune(max);
      model.prune(max);
    } else if (op < 95) {
      q.reset();
      model.reset();
    } else {
      nodes = 1 + randomInt(rng, 3_000);
    }
    assert.equal(q.numQueued(), model.entries.length, where);
    assert.deepEqual(queueLog, modelLog, where);
  }
}

Deno.test("TransmitLimitedQueue matches the sort-everything model with few distinct lengths", () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new SeededRandom(seed);
    const sizes = [12, 20, 20, 33, 47, 48, 90];
    runDifferential(seed, 600, () => sizes[randomInt(rng, sizes.length)]!, rng);
  }
});

Deno.test("TransmitLimitedQueue matches the sort-everything model with many distinct lengths", () => {
  for (let seed = 100; seed < 130; seed++) {
    const rng = new SeededRandom(seed);
    runDifferential(seed, 600, () => 6 + randomInt(rng, 200), rng);
  }
});
