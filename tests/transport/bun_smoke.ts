/**
 * Smoke test of BunTransport on real loopback sockets (127.0.0.1 only). Run under Bun:
 * `bun run tests/transport/bun_smoke.ts`; exits 0 when every check passes, 1 otherwise.
 * Deno runs it through `bun_smoke_test.ts`. A watchdog bounds the whole run.
 */
import { BunTransport } from "../../lib/transport/bun.ts";
import { listenTransport } from "../../lib/transport/detect.ts";
import type { Packet, Stream } from "../../lib/transport/transport.ts";
import { type Clock, sleepOn, type Timer } from "../../lib/util/clock.ts";
import { TimeoutError } from "../../lib/util/errors.ts";

const WATCHDOG_MS = 20_000;

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`Check failed: ${message}`);
}

async function waitFor(predicate: () => boolean, what: string, maxMs = 3000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

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

/** Timers fire on the next microtask, so a dial deadline always beats the connect. */
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
      cancel: () => {
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

async function packetsBothWays(): Promise<void> {
  const a = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const b = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    assert(a.localAddress.port > 0, "port 0 must be replaced by the bound port");
    const atA: Packet[] = [];
    const atB: Packet[] = [];
    a.onPacket((p) => atA.push(p));
    b.onPacket((p) => {
      atB.push(p);
      throw new Error("handler failure must not stop delivery");
    });
    a.sendPacket(new Uint8Array([1, 2, 3]), b.localAddress);
    a.sendPacket(new Uint8Array([4]), b.localAddress);
    b.sendPacket(new Uint8Array(1400).fill(7), a.localAddress);
    await waitFor(() => atA.length === 1 && atB.length === 2, "packets");
    assert(atB[0]!.buf.join() === "1,2,3", `payload ${atB[0]!.buf.join()}`);
    assert(atB[0]!.from.port === a.localAddress.port, "sender port");
    assert(atA[0]!.buf.length === 1400 && atA[0]!.buf.every((x) => x === 7), "large packet");
  } finally {
    await a.close();
    await b.close();
  }
}

async function streamEcho(): Promise<void> {
  const server = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const client = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    server.onStream(async (s) => {
      try {
        for (let chunk = await s.read(); chunk !== null; chunk = await s.read()) await s.write(chunk);
      } finally {
        s.close();
      }
    });
    const stream = await client.dial(server.localAddress, 2000);
    assert(stream.remote.port === server.localAddress.port, "remote port");
    // Big enough to exceed the kernel's socket buffers, so partial writes and drain are exercised.
    const big = new Uint8Array(20_000_000).map((_, i) => i % 251);
    const [, echoed] = await Promise.all([stream.write(big), readN(stream, big.length)]);
    assert(echoed.length === big.length, `echoed ${echoed.length} of ${big.length}`);
    assert(echoed.every((x, i) => x === i % 251), "echo corrupted");
    stream.close();
    assert((await stream.read()) === null, "read after close must be EOF");
  } finally {
    await client.close();
    await server.close();
  }
}

async function peerCloseIsEof(): Promise<void> {
  const server = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const client = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  try {
    server.onStream(async (s) => {
      await s.write(new TextEncoder().encode("bye"));
      s.close();
    });
    const stream = await client.dial(server.localAddress, 2000);
    const got = await readN(stream, 100);
    assert(new TextDecoder().decode(got) === "bye", `got ${new TextDecoder().decode(got)}`);
    assert((await stream.read()) === null, "EOF after peer close");
    stream.close();
  } finally {
    await client.close();
    await server.close();
  }
}

async function dialFailures(): Promise<void> {
  const probe = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const dead = probe.localAddress;
  await probe.close();
  const t = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const hasty = await BunTransport.listen({ host: "127.0.0.1", port: 0, clock: instantClock });
  try {
    let error: unknown;
    await t.dial(dead, 2000).catch((err) => error = err);
    assert(error instanceof Error && !(error instanceof TimeoutError), `refused: got ${error}`);
    const refused = `dial tcp 127.0.0.1:${dead.port}: connect: connection refused`;
    assert(error.message === refused, `refused: Go's text expected, got ${error.message}`);
    error = undefined;
    await hasty.dial(t.localAddress, 1).catch((err) => error = err);
    assert(error instanceof TimeoutError, `timeout: got ${error}`);
    const timedOut = `dial tcp 127.0.0.1:${t.localAddress.port}: i/o timeout`;
    assert(error.message === timedOut, `timeout: Go's text expected, got ${error.message}`);
  } finally {
    await t.close();
    await hasty.close();
  }
}

async function closeReleasesPort(): Promise<void> {
  const server = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const client = await BunTransport.listen({ host: "127.0.0.1", port: 0 });
  const accepted: Stream[] = [];
  server.onStream((s) => accepted.push(s));
  const stream = await client.dial(server.localAddress, 2000);
  await waitFor(() => accepted.length === 1, "accept");
  const pending = stream.read();
  const serverPending = accepted[0]!.read();
  await server.close();
  assert((await serverPending) === null, "server read must end with EOF on close");
  const clientSaw = await pending.catch((err) => err);
  assert(clientSaw === null || clientSaw instanceof Error, "client read must end when the server closes");
  await client.close();
  await client.close();
  const again = await BunTransport.listen({ host: "127.0.0.1", port: server.localAddress.port });
  await again.close();
}

async function detectPicksBun(): Promise<void> {
  const t = await listenTransport({ host: "127.0.0.1", port: 0 });
  await t.close();
  assert(t instanceof BunTransport, "listenTransport must pick BunTransport on Bun");
}

const checks: [string, () => Promise<void>][] = [
  ["listenTransport picks BunTransport", detectPicksBun],
  ["packets both ways", packetsBothWays],
  ["stream echo with backpressure", streamEcho],
  ["peer close is EOF", peerCloseIsEof],
  ["dial refused and timeout", dialFailures],
  ["close releases the port", closeReleasesPort],
];

const watchdog = setTimeout(() => {
  console.error(`bun_smoke: FAILED: did not finish within ${WATCHDOG_MS} ms`);
  process.exit(1);
}, WATCHDOG_MS);
let failed = 0;
for (const [name, check] of checks) {
  try {
    await check();
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.error(`FAIL ${name}: ${err instanceof Error ? err.stack : err}`);
  }
}
clearTimeout(watchdog);
console.log(failed === 0 ? "bun_smoke: all checks passed" : `bun_smoke: ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
