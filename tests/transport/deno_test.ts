/**
 * DenoTransport on real loopback sockets (127.0.0.1 only). Every wait is bounded and
 * every transport is closed, so Deno's op and resource sanitizers stay on.
 */
import { DenoTransport } from "../../lib/transport/deno.ts";
import { listenTransport } from "../../lib/transport/detect.ts";
import type { Packet, Stream } from "../../lib/transport/transport.ts";
import type { Clock, Timer } from "../../lib/util/clock.ts";
import { sleepOn } from "../../lib/util/clock.ts";
import { TimeoutError } from "../../lib/util/errors.ts";

function assert(cond: unknown, message = "assertion failed"): asserts cond {
  if (!cond) throw new Error(message);
}

/** Polls `predicate` every 5 ms for at most `maxMs`, then fails. */
async function waitFor(predicate: () => boolean, maxMs = 2000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reads from `stream` until `n` bytes arrived or EOF, bounded by the test's waits. */
async function readN(stream: Stream, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const chunk = await stream.read();
    if (chunk === null) break;
    out.set(chunk.subarray(0, n - got), got);
    got += chunk.length;
  }
  return out.subarray(0, got);
}

/** A clock whose timers fire on the next microtask: a dial deadline always beats the connect op. */
const instantClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(_ms: number, fn: () => void): Timer {
    let live = true;
    queueMicrotask(() => {
      if (live) fn();
      live = false;
    });
    return {
      cancel() {
        const was = live;
        live = false;
        return was;
      },
    };
  },
  sleep(ms: number, signal?: AbortSignal) {
    return sleepOn(this, ms, signal);
  },
};

Deno.test("DenoTransport binds TCP and UDP on the same port when asked for port 0", async () => {
  const t = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    assert(t.localAddress.host === "127.0.0.1");
    assert(t.localAddress.port > 0);
  } finally {
    await t.close();
  }
});

Deno.test("DenoTransport delivers packets both ways with the sender's address", async () => {
  const a = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  const b = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    const atA: Packet[] = [];
    const atB: Packet[] = [];
    a.onPacket((p) => atA.push(p));
    b.onPacket((p) => atB.push(p));
    const payload = new Uint8Array([1, 2, 3]);
    a.sendPacket(payload, b.localAddress);
    payload[0] = 99; // the transport copied, so this must not leak into the datagram
    b.sendPacket(new Uint8Array(1400).fill(7), a.localAddress);
    await waitFor(() => atA.length === 1 && atB.length === 1);
    assert(atB[0]!.buf.join() === "1,2,3", `got ${atB[0]!.buf.join()}`);
    assert(atB[0]!.from.port === a.localAddress.port);
    assert(atA[0]!.buf.length === 1400 && atA[0]!.buf.every((x) => x === 7));
    assert(atA[0]!.from.port === b.localAddress.port);
    assert(Math.abs(atA[0]!.receivedAt - performance.now()) < 5000);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("DenoTransport keeps receiving after the packet handler throws", async () => {
  const t = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    let calls = 0;
    t.onPacket(() => {
      calls++;
      throw new Error("handler failure");
    });
    t.sendPacket(new Uint8Array([1]), t.localAddress);
    t.sendPacket(new Uint8Array([2]), t.localAddress);
    await waitFor(() => calls === 2);
  } finally {
    await t.close();
  }
});

Deno.test("DenoTransport echoes a large stream in order and sees EOF", async () => {
  const server = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  const client = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    server.onStream(async (s) => {
      try {
        for (let chunk = await s.read(); chunk !== null; chunk = await s.read()) await s.write(chunk);
      } finally {
        s.close();
      }
    });
    const stream = await client.dial(server.localAddress, 2000);
    assert(stream.remote.port === server.localAddress.port);
    const big = new Uint8Array(1_000_000).map((_, i) => i % 251);
    const [, echoed] = await Promise.all([stream.write(big), readN(stream, big.length)]);
    assert(echoed.length === big.length, `echoed ${echoed.length}`);
    assert(echoed.every((x, i) => x === i % 251), "echo corrupted");
    stream.close();
    assert((await stream.read()) === null, "read after close must be EOF");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("DenoTransport dial is refused when nothing listens", async () => {
  const probe = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  const dead = probe.localAddress;
  await probe.close();
  const t = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    let error: unknown;
    await t.dial(dead, 2000).catch((err) => error = err);
    assert(error instanceof Error && !(error instanceof TimeoutError), `got ${error}`);
    assert(
      (error as Error).message === `dial tcp 127.0.0.1:${dead.port}: connect: connection refused`,
      String(error),
    );
  } finally {
    await t.close();
  }
});

Deno.test("DenoTransport dial rejects with TimeoutError and drops a late connection", async () => {
  const server = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  const client = await DenoTransport.listen({ host: "127.0.0.1", port: 0, clock: instantClock });
  try {
    let accepted = 0;
    server.onStream((s) => {
      accepted++;
      s.close();
    });
    for (const target of [server.localAddress, { host: "127.0.0.1", port: 1 }]) {
      let error: unknown;
      await client.dial(target, 1).catch((err) => error = err);
      assert(error instanceof TimeoutError, `got ${error}`);
    }
    assert(accepted <= 1);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("DenoTransport close ends pending reads and releases the port", async () => {
  const server = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  const client = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  const accepted: Stream[] = [];
  server.onStream((s) => accepted.push(s));
  const stream = await client.dial(server.localAddress, 2000);
  await waitFor(() => accepted.length === 1);
  const pendingServerRead = accepted[0]!.read();
  const pendingClientRead = stream.read();
  await server.close();
  assert((await pendingServerRead) === null, "server read must end with EOF");
  assert((await pendingClientRead) === null, "client must see EOF when the server closed");
  await client.close();
  await client.close(); // idempotent
  let error: unknown;
  await client.dial(server.localAddress, 100).catch((err) => error = err);
  assert(error instanceof Error, "dial after close must reject");
  client.sendPacket(new Uint8Array([1]), server.localAddress); // dropped silently after close
  const again = await DenoTransport.listen({ host: "127.0.0.1", port: server.localAddress.port });
  await again.close();
});

Deno.test("DenoTransport rejects unusable addresses with TypeError", async () => {
  const t = await DenoTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    let error: unknown;
    try {
      t.sendPacket(new Uint8Array([1]), { host: "127.0.0.1", port: 70000 });
    } catch (err) {
      error = err;
    }
    assert(error instanceof TypeError);
  } finally {
    await t.close();
  }
});

Deno.test("listenTransport picks DenoTransport on Deno", async () => {
  const t = await listenTransport({ host: "127.0.0.1", port: 0 });
  try {
    assert(t instanceof DenoTransport);
  } finally {
    await t.close();
  }
});
