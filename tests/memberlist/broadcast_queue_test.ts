import assert from "node:assert/strict";
import { type Broadcast, TransmitLimitedQueue } from "../../lib/memberlist/broadcast_queue.ts";
import { retransmitLimit } from "../../lib/memberlist/math.ts";
import { randomInt, SeededRandom } from "../../lib/util/random.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A broadcast that records when it is finished; plain ones invalidate others about the same subject. */
class TestBroadcast implements Broadcast {
  finishCount = 0;
  constructor(
    readonly text: string,
    readonly opts: { name?: string; unique?: boolean; subject?: string; onFinish?: () => void } = {},
  ) {}
  get name(): string | undefined {
    return this.opts.name;
  }
  get unique(): boolean | undefined {
    return this.opts.unique;
  }
  message(): Uint8Array {
    return encoder.encode(this.text);
  }
  invalidates(other: Broadcast): boolean {
    return this.opts.subject !== undefined && other instanceof TestBroadcast &&
      other.opts.subject === this.opts.subject;
  }
  finished(): void {
    this.finishCount++;
    this.opts.onFinish?.();
  }
}

function texts(msgs: Uint8Array[]): string[] {
  return msgs.map((m) => decoder.decode(m));
}

function queue(numNodes = 10, retransmitMult = 1): TransmitLimitedQueue {
  return new TransmitLimitedQueue({ numNodes: () => numNodes, retransmitMult });
}

Deno.test("TransmitLimitedQueue returns nothing when empty", () => {
  const q = queue();
  assert.equal(q.numQueued(), 0);
  assert.deepEqual(q.getBroadcasts(3, 1400), []);
});

Deno.test("TransmitLimitedQueue replaces a queued broadcast with the same name", () => {
  const q = queue();
  const old = new TestBroadcast("alive a 1", { name: "a" });
  const other = new TestBroadcast("alive b 1", { name: "b" });
  q.queueBroadcast(old);
  q.queueBroadcast(other);
  q.queueBroadcast(new TestBroadcast("suspect a 1", { name: "a" }));
  assert.equal(q.numQueued(), 2);
  assert.equal(old.finishCount, 1);
  assert.equal(other.finishCount, 0);
  assert.deepEqual(texts(q.getBroadcasts(0, 1400)).sort(), ["alive b 1", "suspect a 1"]);
});

Deno.test("TransmitLimitedQueue lets plain broadcasts invalidate only other plain broadcasts", () => {
  const q = queue();
  const plain = new TestBroadcast("plain x", { subject: "x" });
  const named = new TestBroadcast("named x", { name: "x", subject: "x" });
  const unique = new TestBroadcast("unique x", { unique: true, subject: "x" });
  const unrelated = new TestBroadcast("plain y", { subject: "y" });
  for (const b of [plain, named, unique, unrelated]) q.queueBroadcast(b);
  q.queueBroadcast(new TestBroadcast("plain x 2", { subject: "x" }));
  assert.deepEqual([plain, named, unique, unrelated].map((b) => b.finishCount), [1, 0, 0, 0]);
  assert.equal(q.numQueued(), 4);
});

Deno.test("TransmitLimitedQueue never invalidates unique broadcasts", () => {
  const q = queue();
  q.queueBroadcast(new TestBroadcast("event 1", { unique: true, subject: "e" }));
  q.queueBroadcast(new TestBroadcast("event 1", { unique: true, subject: "e" }));
  assert.equal(q.numQueued(), 2);
});

Deno.test("TransmitLimitedQueue.queueNamed replaces by name, also a broadcast queued with that name", () => {
  const q = queue();
  const finished: string[] = [];
  const old = new TestBroadcast("alive a 1", { name: "a" });
  q.queueBroadcast(old);
  q.queueNamed("a", encoder.encode("suspect a 1"), () => finished.push("suspect a 1"));
  q.queueNamed("b", encoder.encode("alive b 1"));
  assert.equal(old.finishCount, 1);
  q.queueBroadcast(new TestBroadcast("dead a 1", { name: "a" }));
  assert.deepEqual(finished, ["suspect a 1"]);
  assert.equal(q.numQueued(), 2);
  assert.deepEqual(texts(q.getBroadcasts(0, 1400)).sort(), ["alive b 1", "dead a 1"]);
});

Deno.test("TransmitLimitedQueue.queueUnique is never superseded and is finished once sent enough", () => {
  const q = queue(10, 1); // limit: 1 * ceil(log10(11)) = 2 sends
  let finished = 0;
  q.queueUnique(encoder.encode("event"), () => finished++);
  q.queueUnique(encoder.encode("event"));
  q.queueBroadcast(new TestBroadcast("plain", { subject: "event" }));
  assert.equal(q.numQueued(), 3);
  assert.deepEqual(texts(q.getBroadcasts(0, 1400)), ["plain", "event", "event"]);
  assert.equal(finished, 0);
  q.getBroadcasts(0, 1400);
  assert.equal(finished, 1);
  assert.equal(q.numQueued(), 0);
});

Deno.test("TransmitLimitedQueue respects the byte limit including per-message overhead", () => {
  // memberlist's TestTransmitLimited_GetBroadcasts_Limit: 18-byte messages, limit 2 sends.
  const q = queue(10, 1);
  assert.equal(retransmitLimit(1, 10), 2);
  for (const [i, name] of ["test", "foo", "bar", "baz"].entries()) {
    q.queueBroadcast(new TestBroadcast(`${i + 1}. this is a test.`, { name }));
  }
  assert.equal(q.getBroadcasts(3, 80).length, 3);
  assert.equal(q.getBroadcasts(3, 80).length, 3);
  assert.equal(q.getBroadcasts(3, 80).length, 2, "only two have sends left");
  assert.equal(q.getBroadcasts(3, 80).length, 0);
  assert.equal(q.numQueued(), 0);
});

Deno.test("TransmitLimitedQueue sends the least transmitted first, then largest, then newest", () => {
  const q = queue(10, 3);
  q.queueBroadcast(new TestBroadcast("old", { name: "1" }));
  q.queueBroadcast(new TestBroadcast("new", { name: "2" }));
  q.queueBroadcast(new TestBroadcast("longer", { name: "3" }));
  assert.deepEqual(texts(q.getBroadcasts(0, 1400)), ["longer", "new", "old"]);
  q.queueBroadcast(new TestBroadcast("fresh", { name: "4" }));
  // "fresh" has never been sent, so it leads even though it is not the largest.
  assert.deepEqual(texts(q.getBroadcasts(0, 1400)), ["fresh", "longer", "new", "old"]);
  // With room for one small message the least-sent one that fits wins.
  q.queueBroadcast(new TestBroadcast("x", { name: "5" }));
  assert.deepEqual(texts(q.getBroadcasts(0, 3)), ["x"]);
});

Deno.test("TransmitLimitedQueue skips to smaller messages when the largest does not fit", () => {
  const q = queue(10, 3);
  q.queueBroadcast(new TestBroadcast("a".repeat(50), { unique: true }));
  q.queueBroadcast(new TestBroadcast("b".repeat(30), { unique: true }));
  q.queueBroadcast(new TestBroadcast("c".repeat(20), { unique: true }));
  q.queueBroadcast(new TestBroadcast("d".repeat(10), { unique: true }));
  // Limit 50 with overhead 2: 50 never fits, 30 does (32 used), then 20 does
  // not fit in the 16 left but 10 does.
  const got = q.getBroadcasts(2, 50);
  assert.deepEqual(got.map((m) => m.length), [30, 10]);
});

Deno.test("TransmitLimitedQueue finishes a broadcast when it reaches the retransmit limit", () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 2 }); // limit 4
  const b = new TestBroadcast("once", { name: "n" });
  q.queueBroadcast(b);
  for (let i = 0; i < 3; i++) {
    assert.equal(q.getBroadcasts(0, 100).length, 1);
    assert.equal(b.finishCount, 0);
  }
  assert.equal(q.getBroadcasts(0, 100).length, 1);
  assert.equal(b.finishCount, 1);
  assert.equal(q.numQueued(), 0);
  // The name is free again after the broadcast finished.
  q.queueBroadcast(new TestBroadcast("again", { name: "n" }));
  assert.equal(b.finishCount, 1);
});

Deno.test("TransmitLimitedQueue reads the cluster size on every call", () => {
  let nodes = 1;
  const q = new TransmitLimitedQueue({ numNodes: () => nodes, retransmitMult: 1 });
  const b = new TestBroadcast("m", { name: "m" });
  q.queueBroadcast(b);
  nodes = 1_000; // limit 4
  q.getBroadcasts(0, 100);
  q.getBroadcasts(0, 100);
  assert.equal(b.finishCount, 0);
  nodes = 1; // limit 1: the next send is the last
  q.getBroadcasts(0, 100);
  assert.equal(b.finishCount, 1);
});

Deno.test("TransmitLimitedQueue uses memberlist's default retransmitMult of 4", () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 5 });
  const b = new TestBroadcast("m", { name: "m" });
  q.queueBroadcast(b);
  for (let i = 0; i < 3; i++) q.getBroadcasts(0, 100);
  assert.equal(b.finishCount, 0);
  q.getBroadcasts(0, 100);
  assert.equal(b.finishCount, 1);
});

Deno.test("TransmitLimitedQueue.prune keeps the newest, least sent broadcasts", () => {
  // memberlist's TestTransmitLimited_Prune.
  const q = queue(10, 1);
  const bs = ["test", "foo", "bar", "baz"].map((name, i) =>
    new TestBroadcast(`${i + 1}. this is a test.`, { name })
  );
  for (const b of bs) q.queueBroadcast(b);
  q.getBroadcasts(0, 18 * 2); // sends baz and bar once
  q.prune(2);
  assert.equal(q.numQueued(), 2);
  assert.deepEqual(bs.map((b) => b.finishCount), [0, 0, 1, 1]);
  q.prune(5);
  assert.equal(q.numQueued(), 2);
  q.prune(0);
  assert.deepEqual(bs.map((b) => b.finishCount), [1, 1, 1, 1]);
});

Deno.test("TransmitLimitedQueue.reset finishes everything queued", () => {
  const q = queue();
  const bs = [
    new TestBroadcast("a", { name: "a" }),
    new TestBroadcast("b"),
    new TestBroadcast("c", { unique: true }),
  ];
  for (const b of bs) q.queueBroadcast(b);
  q.getBroadcasts(0, 1);
  q.reset();
  assert.equal(q.numQueued(), 0);
  assert.deepEqual(bs.map((b) => b.finishCount), [1, 1, 1]);
  assert.deepEqual(q.getBroadcasts(0, 1400), []);
});

Deno.test("TransmitLimitedQueue lets finished() queue a new broadcast", () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 0, retransmitMult: 1 }); // limit 0: one send each
  let requeued = false;
  q.queueBroadcast(
    new TestBroadcast("first", {
      name: "x",
      onFinish: () => {
        requeued = true;
        q.queueBroadcast(new TestBroadcast("second", { name: "x" }));
      },
    }),
  );
  assert.deepEqual(texts(q.getBroadcasts(0, 100)), ["first"]);
  assert.ok(requeued);
  assert.deepEqual(texts(q.getBroadcasts(0, 100)), ["second"]);
  assert.equal(q.numQueued(), 0);
});

Deno.test("TransmitLimitedQueue rejects a bad retransmitMult", () => {
  assert.throws(
    () => new TransmitLimitedQueue({ numNodes: () => 1, retransmitMult: -1 }),
    {
      name: "RangeError",
      message:
        "Cannot create broadcast queue as 'retransmitMult' must be a non-negative integer: current value is -1",
    },
  );
});

/** The obvious O(n log n)-per-call model of memberlist's selection, to check the tiered version against. */
class ReferenceQueue {
  entries: { b: TestBroadcast; id: number; transmits: number }[] = [];
  nextId = 0;
  constructor(readonly numNodes: () => number, readonly mult: number) {}
  queue(b: TestBroadcast): void {
    const keep = this.entries.filter((e) => {
      if (b.name) return e.b.name !== b.name;
      if (b.unique || e.b.name || e.b.unique) return true;
      return !b.invalidates(e.b);
    });
    this.entries = keep;
    this.entries.push({ b, id: this.nextId++, transmits: 0 });
  }
  get(overhead: number, limit: number): string[] {
    const sorted = [...this.entries].sort((x, y) =>
      x.transmits - y.transmits || y.b.text.length - x.b.text.length || y.id - x.id
    );
    const lim = retransmitLimit(this.mult, this.numNodes());
    const out: string[] = [];
    let used = 0;
    const taken = new Set<number>();
    while (true) {
      const free = limit - used - overhead;
      if (free <= 0) break;
      const pick = sorted.find((e) => !taken.has(e.id) && e.b.text.length <= free);
      if (!pick) break;
      taken.add(pick.id);
      used += overhead + pick.b.text.length;
      out.push(pick.b.text);
    }
    for (const e of this.entries) if (taken.has(e.id)) e.transmits++;
    this.entries = this.entries.filter((e) => !taken.has(e.id) || e.transmits < lim);
    return out;
  }
  prune(max: number): void {
    const sorted = [...this.entries].sort((x, y) =>
      x.transmits - y.transmits || y.b.text.length - x.b.text.length || y.id - x.id
    );
    const keep = new Set(sorted.slice(0, max).map((e) => e.id));
    this.entries = this.entries.filter((e) => keep.has(e.id));
  }
}

Deno.test("TransmitLimitedQueue selects exactly as a sort-per-call model over a random workload", () => {
  const rng = new SeededRandom(2024);
  let nodes = 20;
  const q = new TransmitLimitedQueue({ numNodes: () => nodes, retransmitMult: 3 });
  const ref = new ReferenceQueue(() => nodes, 3);
  for (let step = 0; step < 4_000; step++) {
    const op = randomInt(rng, 10);
    if (op < 6) {
      const kind = randomInt(rng, 3);
      const text = `${step}:${"x".repeat(randomInt(rng, 120))}`;
      const b = new TestBroadcast(text, {
        name: kind === 0 ? `node-${randomInt(rng, 40)}` : undefined,
        unique: kind === 1,
        subject: `s${randomInt(rng, 30)}`,
      });
      q.queueBroadcast(b);
      ref.queue(b);
    } else if (op < 9) {
      const overhead = randomInt(rng, 4);
      const limit = randomInt(rng, 1_400);
      assert.deepEqual(texts(q.getBroadcasts(overhead, limit)), ref.get(overhead, limit), `step ${step}`);
    } else if (randomInt(rng, 4) === 0) {
      const max = randomInt(rng, 60);
      q.prune(max);
      ref.prune(max);
    } else {
      nodes = 1 + randomInt(rng, 2_000);
    }
    assert.equal(q.numQueued(), ref.entries.length, `size at step ${step}`);
  }
});

Deno.test("TransmitLimitedQueue selects exactly as the sort-per-call model with thousands queued", () => {
  // Speed at this size is measured by the bench suite, not asserted against the wall clock here;
  // this checks the tiered queue's order where a sort per call would be the obvious implementation.
  const q = new TransmitLimitedQueue({ numNodes: () => 5_000, retransmitMult: 4 });
  const ref = new ReferenceQueue(() => 5_000, 4);
  const add = (b: TestBroadcast) => {
    q.queueBroadcast(b);
    ref.queue(b);
  };
  for (let i = 0; i < 10_000; i++) {
    const b = new TestBroadcast(`alive node-${i} ${"m".repeat(i % 90)}`, { name: `node-${i}` });
    q.queueBroadcast(b);
    ref.entries.push({ b, id: ref.nextId++, transmits: 0 }); // names are distinct: nothing to replace
  }
  let sent = 0;
  for (let tick = 0; tick < 5_000; tick++) {
    const got = texts(q.getBroadcasts(2, 1_400));
    sent += got.length;
    // The model sorts 10000 entries per call: compare the first ticks, where the tiers fill up.
    if (tick < 150) assert.deepEqual(got, ref.get(2, 1_400), `tick ${tick}`);
    if (tick < 150) add(new TestBroadcast(`suspect node-${tick}`, { name: `node-${tick}` }));
    else q.queueBroadcast(new TestBroadcast(`suspect node-${tick}`, { name: `node-${tick}` }));
  }
  assert.ok(sent > 50_000, `sent ${sent}`);
  assert.ok(q.numQueued() <= 10_000, `queued ${q.numQueued()}`);
});
