/**
 * MemoryNetwork on virtual time: every delivery is a clock timer, so these tests
 * advance a VirtualClock and assert exact timings and seeded loss counts.
 */
import { MemoryNetwork, type MemoryNetworkOptions } from "../../lib/transport/memory.ts";
import type { Packet, Stream } from "../../lib/transport/transport.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { ShutdownError, TimeoutError } from "../../lib/util/errors.ts";
import { SeededRandom } from "../../lib/util/random.ts";

function assert(cond: unknown, message = "assertion failed"): asserts cond {
  if (!cond) throw new Error(message);
}

function setup(options: Partial<MemoryNetworkOptions> = {}) {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock, rng: new SeededRandom(42), ...options });
  return { clock, net };
}

function inbox(t: { onPacket(h: (p: Packet) => void): void }): Packet[] {
  const got: Packet[] = [];
  t.onPacket((p) => got.push(p));
  return got;
}

const bytes = (...xs: number[]) => new Uint8Array(xs);

/** Watches a promise; methods (not fields) so TypeScript does not narrow across awaits. */
class Outcome<T> {
  #state: "pending" | "resolved" | "rejected" = "pending";
  #value: T | undefined;
  #error: unknown;
  readonly done: Promise<void>;
  constructor(p: Promise<T>) {
    this.done = p.then((v) => {
      this.#state = "resolved";
      this.#value = v;
    }, (err) => {
      this.#state = "rejected";
      this.#error = err;
    });
  }
  state(): string {
    return this.#state;
  }
  value(): T | undefined {
    return this.#value;
  }
  error(): unknown {
    return this.#error;
  }
}

Deno.test("MemoryNetwork delivers packets after the link latency, nearest first", async () => {
  const { clock, net } = setup({ defaultLatencyMs: 10 });
  const a = net.listen({ host: "10.0.0.1", port: 7946 });
  const near = net.listen({ host: "10.0.0.2", port: 7946 });
  const far = net.listen({ host: "10.0.0.3", port: 0 });
  assert(far.localAddress.port > 0, "port 0 allocates");
  net.configureLink(a.localAddress, far.localAddress, { latencyMs: 50 });
  const order: string[] = [];
  near.onPacket((p) => order.push(`near@${p.receivedAt - start}`));
  far.onPacket((p) => order.push(`far@${p.receivedAt - start}:${p.from.host}`));
  const start = clock.now();
  const buf = bytes(1, 2);
  a.sendPacket(buf, far.localAddress);
  a.sendPacket(buf, near.localAddress);
  buf[0] = 9; // copied on send: must not be seen by receivers
  await clock.advance(9);
  assert(order.length === 0, "nothing arrives before the latency");
  await clock.advance(100);
  assert(order.join() === "near@10,far@50:10.0.0.1", order.join());
  const c = net.counters;
  assert(c.packetsSent === 2 && c.packetsDelivered === 2 && c.packetsDropped === 0, JSON.stringify(c));
});

Deno.test("MemoryNetwork latency function applies per pair and copies buffers", async () => {
  const { clock, net } = setup({ latency: (from, to) => (from.host < to.host ? 3 : 30) });
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  const atA = inbox(a), atB = inbox(b);
  const payload = bytes(5);
  a.sendPacket(payload, b.localAddress);
  b.sendPacket(bytes(6), a.localAddress);
  payload[0] = 0;
  await clock.advance(3);
  assert(atB.length === 1 && atB[0]!.buf[0] === 5 && atA.length < 1);
  await clock.advance(27);
  assert(atA.length === 1 && atA[0]!.buf[0] === 6);
});

Deno.test("MemoryNetwork loses packets at the seeded rate, repeatably", async () => {
  async function run(): Promise<number> {
    const { clock, net } = setup();
    const a = net.listen({ host: "10.0.0.1", port: 1 });
    const b = net.listen({ host: "10.0.0.2", port: 1 });
    const got = inbox(b);
    net.setLoss(0.3);
    for (let i = 0; i < 2000; i++) a.sendPacket(bytes(i & 0xff), b.localAddress);
    await clock.advance(10);
    const c = net.counters;
    assert(c.packetsDelivered + c.packetsDropped === 2000);
    return got.length;
  }
  const first = await run();
  assert(first > 1300 && first < 1500, `delivered ${first} of 2000 at 30% loss`);
  assert((await run()) === first, "same seed, same losses");
});

Deno.test("MemoryNetwork per-link loss overrides the global rate", async () => {
  const { clock, net } = setup({ loss: 0 });
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  const atA = inbox(a), atB = inbox(b);
  net.configureLink(a.localAddress, b.localAddress, { loss: 1, bothWays: false });
  for (let i = 0; i < 10; i++) {
    a.sendPacket(bytes(1), b.localAddress);
    b.sendPacket(bytes(2), a.localAddress);
  }
  await clock.advance(5);
  assert(atB.length === 0 && atA.length === 10);
});

Deno.test("MemoryNetwork blockUdp is one-way and leaves streams working", async () => {
  const { clock, net } = setup();
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  const atA = inbox(a), atB = inbox(b);
  net.blockUdp(a.localAddress, b.localAddress);
  a.sendPacket(bytes(1), b.localAddress);
  b.sendPacket(bytes(2), a.localAddress);
  b.onStream(async (s) => {
    await s.write(bytes(7));
    s.close();
  });
  const dialing = a.dial(b.localAddress, 1000);
  await clock.advance(5);
  const stream = await dialing;
  assert(atB.length < 1 && atA.length === 1, `a got ${atA.length}, b got ${atB.length}`);
  const chunk = await stream.read();
  assert(chunk?.[0] === 7);
  await clock.advance(5);
  assert((await stream.read()) === null);
  net.unblockUdp(a.localAddress, b.localAddress);
  a.sendPacket(bytes(3), b.localAddress);
  await clock.advance(5);
  assert(atB.length === 1);
});

Deno.test("MemoryNetwork partition blocks packets, dials and open streams until heal", async () => {
  const { clock, net } = setup({ defaultLatencyMs: 2 });
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  const c = net.listen({ host: "10.0.0.3", port: 1 });
  const atB = inbox(b), atC = inbox(c);
  const accepted: Stream[] = [];
  b.onStream((s) => accepted.push(s));
  const dialing = a.dial(b.localAddress, 100);
  await clock.advance(4);
  const open = await dialing;

  net.partition([a.localAddress], [b.localAddress]);
  a.sendPacket(bytes(1), b.localAddress);
  a.sendPacket(bytes(1), c.localAddress);
  await open.write(bytes(9)); // handed to the link, then lost in the cut
  const failing = new Outcome(a.dial(b.localAddress, 100));
  await clock.advance(99);
  assert(failing.state() === "pending", "a partitioned dial waits for its deadline");
  await clock.advance(1);
  await failing.done;
  assert(failing.error() instanceof TimeoutError, `got ${failing.error()}`);
  assert(atB.length < 1 && atC.length === 1);
  const stalled = new Outcome(accepted[0]!.read());
  await clock.advance(50);
  assert(stalled.state() === "pending", "no bytes and no EOF cross a partition");

  net.heal();
  await clock.advance(1);
  assert(/connection reset/.test(String(stalled.error())), `${stalled.state()} ${stalled.error()}`);
  a.sendPacket(bytes(2), b.localAddress);
  const again = a.dial(b.localAddress, 100);
  await clock.advance(4);
  assert(atB.length === 1);
  (await again).close();
});

Deno.test("MemoryNetwork streams deliver in order and end with EOF on close", async () => {
  const { clock, net } = setup({ latency: () => 0 });
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  let jitter = 20;
  // A latency that shrinks per send: ordering must still hold, like TCP.
  net.configureLink(a.localAddress, b.localAddress, { latencyMs: 5 });
  const received: number[] = [];
  let eof = false;
  b.onStream(async (s) => {
    for (let c = await s.read(); c !== null; c = await s.read()) received.push(...c);
    eof = true;
    s.close();
  });
  const dialing = a.dial(b.localAddress, 100);
  await clock.advance(10);
  const s = await dialing;
  assert(s.remote.host === "10.0.0.2");
  for (let i = 0; i < 5; i++) {
    net.configureLink(a.localAddress, b.localAddress, { latencyMs: jitter -= 4, bothWays: false });
    await s.write(bytes(i));
  }
  s.close();
  assert((await s.read()) === null, "local reads end at close");
  let error: unknown;
  await s.write(bytes(1)).catch((err) => error = err);
  assert(error instanceof Error, "write after close rejects");
  await clock.advance(30);
  assert(received.join() === "0,1,2,3,4", received.join());
  assert(eof, "peer saw EOF after the data");
  assert(net.counters.streamsOpened === 1);
});

Deno.test("MemoryNetwork dial is refused after a round trip when nothing listens", async () => {
  const { clock, net } = setup({ defaultLatencyMs: 7 });
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const dialing = new Outcome(a.dial({ host: "10.0.0.9", port: 1 }, 1000));
  await clock.advance(13);
  assert(dialing.state() === "pending", "refusal needs the round trip");
  await clock.advance(1);
  await dialing.done;
  const error = dialing.error();
  assert(
    error instanceof Error && !(error instanceof TimeoutError) && /refused/.test(error.message),
    `${error}`,
  );
  assert(net.counters.streamsRefused === 1);
});

Deno.test("MemoryNetwork dial times out on the clock and closes a late connection", async () => {
  const { clock, net } = setup();
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  net.configureLink(a.localAddress, b.localAddress, { latencyMs: 40 });
  let serverEof = false;
  b.onStream(async (s) => {
    serverEof = (await s.read()) === null;
    s.close();
  });
  let error: unknown;
  const dialing = a.dial(b.localAddress, 50).catch((err) => error = err);
  await clock.advance(50);
  await dialing;
  assert(error instanceof TimeoutError, `${error}`);
  await clock.advance(100);
  assert(serverEof, "the server's side of the abandoned connection ends");
});

Deno.test("MemoryNetwork kill drops traffic silently; close sends EOF", async () => {
  const { clock, net } = setup();
  const a = net.listen({ host: "10.0.0.1", port: 1 });
  const b = net.listen({ host: "10.0.0.2", port: 1 });
  const c = net.listen({ host: "10.0.0.3", port: 1 });
  const atB = inbox(b);
  const serverSide: Stream[] = [];
  b.onStream((s) => serverSide.push(s));
  c.onStream((s) => serverSide.push(s));
  const toB = a.dial(b.localAddress, 100);
  const toC = a.dial(c.localAddress, 100);
  await clock.advance(5);
  const [sb, sc] = [await toB, await toC];
  a.sendPacket(bytes(1), b.localAddress); // in flight when b dies
  const pendingDial = new Outcome(a.dial({ host: "10.0.0.2", port: 1 }, 30));
  assert(net.kill(b.localAddress) && b.closed);
  await c.close();
  const bResult = new Outcome(sb.read());
  await clock.advance(10);
  assert(atB.length === 0 && net.counters.packetsDropped === 1);
  assert(bResult.state() === "pending", "a vanished host sends no EOF");
  assert((await sc.read()) === null, "a closed host sends EOF");
  await clock.advance(30);
  await pendingDial.done;
  assert(
    pendingDial.error() instanceof TimeoutError,
    `dial to a vanished host times out: ${pendingDial.error()}`,
  );
  const restarted = net.listen({ host: "10.0.0.2", port: 1 });
  const refusedOrOk = a.dial(restarted.localAddress, 100);
  await clock.advance(5);
  (await refusedOrOk).close();
  await a.close();
  const afterClose = new Outcome(a.dial(c.localAddress, 10));
  await afterClose.done;
  assert(afterClose.error() instanceof ShutdownError);
  assert(net.size === 1);
});

Deno.test("MemoryNetwork delivers every packet among 1000 nodes, each round within its latency", async () => {
  // How fast this runs on the wall clock is the bench suite's business; here each round's packets
  // must all arrive by the end of that round's virtual time, and none before it was sent.
  const { clock, net } = setup();
  const nodes = Array.from(
    { length: 1000 },
    (_, i) => net.listen({ host: `10.${i >> 8}.${i & 0xff}.1`, port: 7946 }),
  );
  const perRound = new Array<number>(20).fill(0);
  const expected = new Array<number>(20).fill(0);
  for (const n of nodes) {
    n.onPacket((p) => {
      const round = p.buf[0]!;
      assert(clock.now() >= round * 200, `round ${round} packet delivered before it was sent`);
      perRound[round]!++;
    });
  }
  const rng = new SeededRandom(7);
  for (let round = 0; round < 20; round++) {
    for (const n of nodes) {
      for (let k = 0; k < 3; k++) {
        const to = nodes[Math.floor(rng.next() * 1000)]!;
        n.sendPacket(bytes(round), to.localAddress);
        expected[round]!++;
      }
    }
    await clock.advance(200);
    assert(
      perRound[round] === expected[round],
      `round ${round}: ${perRound[round]} of ${expected[round]} by its end`,
    );
  }
  assert(perRound.reduce((x, y) => x + y) === 60_000);
});
