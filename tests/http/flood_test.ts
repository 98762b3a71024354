/**
 * Flooding the HTTP port does not reach gossip or RPC. A `serfts agent`
 * process serves the HTTP API in a two-agent cluster (profile `local`, so a
 * stalled node would be suspected within seconds) while this test opens
 * hundreds of half-sent requests (slowloris), silent connections and
 * oversized bodies. The agent must refuse connections beyond its limit at
 * once, close the slow ones at the header timeout, answer 413 to the large
 * bodies, keep answering `members` over RPC, and stay alive in its peer's view.
 */
import assert from "node:assert/strict";
import type { RpcClient } from "../../lib/rpc/client.ts";
import { DEFAULT_HTTP_OPTIONS } from "../../lib/http/server.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { type AgentProcess, connectWhenReady, startAgentProcess } from "../interop/_serfts.ts";

/** Connections the flood opens: several times the limit. */
const FLOOD = 300;
/** A stuck agent, not a slow one, takes longer than this to answer `members`. */
const RESPONSIVE_MS = 5_000;

/** A raw connection whose close (EOF or reset) the test times. */
interface Watched {
  conn: Deno.Conn;
  openedAt: number;
  closedAt?: number;
  received: string;
}

async function open(port: number, first: string): Promise<Watched> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const w: Watched = { conn, openedAt: performance.now(), received: "" };
  if (first) await conn.write(new TextEncoder().encode(first)).catch(() => {});
  void (async () => {
    const buf = new Uint8Array(4096);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        w.received += new TextDecoder().decode(buf.subarray(0, n));
      }
    } catch { /* reset by the server */ }
    w.closedAt = performance.now();
  })();
  return w;
}

function closeAll(ws: Watched[]): void {
  for (const w of ws) {
    try {
      w.conn.close();
    } catch { /* already closed */ }
  }
}

Deno.test({
  name: "an HTTP flood (slowloris, connection storm, huge bodies) leaves gossip and RPC unaffected",
  // The read loops end when the sockets close, after the test body has asserted on them.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const httpPort = freePort();
    const a = startAgentProcess([
      "-node=flood-a",
      `-bind=127.0.0.1:${freePort()}`,
      "-profile=local",
      `-http-addr=127.0.0.1:${httpPort}`,
    ]);
    let b: AgentProcess | undefined;
    const clients: RpcClient[] = [];
    const flood: Watched[] = [];
    try {
      const rpcA = await connectWhenReady(a);
      clients.push(rpcA);
      const bindA = (await rpcA.members())[0]!;
      b = startAgentProcess([
        "-node=flood-b",
        `-bind=127.0.0.1:${freePort()}`,
        "-profile=local",
        `-join=127.0.0.1:${bindA.port}`,
      ]);
      const rpcB = await connectWhenReady(b);
      clients.push(rpcB);
      const aliveInB = async () =>
        (await rpcB.members()).filter((m) => m.status === "alive").map((m) => m.name).sort().join() ===
          "flood-a,flood-b";
      assert.ok(await waitFor(aliveInB, 20_000), b.output());
      assert.match(a.output(), new RegExp(`HTTP API and dashboard at http://127\\.0\\.0\\.1:${httpPort}/`));

      // Oversized bodies: one declared, one streamed without a length; both end with 413 and a closed connection.
      const declared = await open(
        httpPort,
        'POST /v1/event HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n{"Name":"',
      );
      const streamed = await open(
        httpPort,
        "POST /v1/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      );
      const chunk = new TextEncoder().encode(`10000\r\n${"x".repeat(0x10000)}\r\n`);
      for (let i = 0; i < 40 && streamed.closedAt === undefined; i++) {
        await streamed.conn.write(chunk).catch(() => {});
      }
      assert.ok(
        await waitFor(() => declared.closedAt !== undefined && streamed.closedAt !== undefined, 10_000),
      );
      assert.match(declared.received, /^HTTP\/1\.1 413 /);
      assert.match(streamed.received, /^HTTP\/1\.1 413 /);
      assert.match(declared.received, /"error":"request body is over the limit of 1048576 bytes"/);
      closeAll([declared, streamed]);

      // The storm: half-sent request heads and connections that send nothing at all.
      const started = performance.now();
      for (let i = 0; i < FLOOD; i++) {
        const first = i % 3 === 0 ? "" : `GET /v1/members HTTP/1.1\r\nHost: x\r\nX-Slow-${i}: `;
        flood.push(await open(httpPort, first));
      }

      // Gossip and RPC while the flood holds every HTTP slot: sampled every 250 ms for 3 s.
      const latencies: number[] = [];
      while (performance.now() - started < 3_000) {
        const t0 = performance.now();
        const members = await Promise.race([
          rpcA.members(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error("members over RPC did not answer")), RESPONSIVE_MS)
          ),
        ]);
        latencies.push(performance.now() - t0);
        assert.equal(members.length, 2);
        assert.ok(await aliveInB(), "flood-a must stay alive in its peer's view during the flood");
        await new Promise((r) => setTimeout(r, 250));
      }
      const openNow = flood.filter((w) => w.closedAt === undefined).length;
      assert.ok(
        openNow <= DEFAULT_HTTP_OPTIONS.maxConnections,
        `${openNow} flood connections still open; the limit is ${DEFAULT_HTTP_OPTIONS.maxConnections}`,
      );
      const refused = flood.filter((w) => w.closedAt !== undefined && w.closedAt - w.openedAt < 2_000).length;
      assert.ok(refused >= FLOOD - DEFAULT_HTTP_OPTIONS.maxConnections, `only ${refused} refused`);

      // The header timeout (5 s, checked every second) closes the slow connections the limit let in.
      const timeoutBound = DEFAULT_HTTP_OPTIONS.headersTimeoutMs + 10_000;
      assert.ok(await waitFor(() => flood.every((w) => w.closedAt !== undefined), timeoutBound));
      const lastClose = Math.max(...flood.map((w) => w.closedAt! - w.openedAt));
      assert.ok(lastClose >= DEFAULT_HTTP_OPTIONS.headersTimeoutMs - 1_000, `closed after ${lastClose} ms`);
      assert.ok(await aliveInB(), "flood-a is still alive after the flood");
      assert.ok(flood.every((w) => !w.received.includes("200 OK")), "no half-sent request was answered");

      // And the port serves again.
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/members`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as unknown[]).length, 2);
      console.log(
        `HTTP flood: ${FLOOD} connections, ${refused} refused at once, slowest closed after ` +
          `${Math.round(lastClose)} ms; RPC members during the flood: ${latencies.length} calls, ` +
          `max ${Math.round(Math.max(...latencies))} ms`,
      );
    } finally {
      closeAll(flood);
      for (const c of clients) c.close();
      await b?.stop("SIGKILL");
      await a.stop("SIGKILL");
    }
  },
});
