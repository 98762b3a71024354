/**
 * `GET /metrics` from the compiled `dist/serfts agent -http-addr`: the wiring
 * `serfts agent` does (Prometheus sink on with `http_addr`, the exporter
 * plugged into the HTTP server) seen from outside, as Prometheus scrapes it:
 * bearer auth, the 0.0.4 content type, a text Prometheus' parser accepts, and
 * counters that move as a second agent joins, an event is posted, an RPC
 * client connects and the second agent is killed.
 */
import assert from "node:assert/strict";
import { ensureBinary } from "../_binary.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { startAgentProcess } from "../interop/_serfts.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import { type ParsedFamily, parseMetrics, parserUnavailable, valueOf } from "./_prometheus.ts";

const skip = await parserUnavailable();
if (skip) console.warn(`SKIPPED /metrics over HTTP: ${skip}`);

const bareEnv = { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" };
const AUTH = { Authorization: "Bearer scrape-token" };

Deno.test({
  name: "dist/serfts agent -http-addr serves /metrics that Prometheus parses, behind the bearer token",
  ignore: !!skip,
  sanitizeOps: false, // child-process pumps end after the test body
  sanitizeResources: false,
  async fn() {
    const binary = await ensureBinary();
    const httpPort = freePort();
    const bindPort = freePort();
    const url = `http://127.0.0.1:${httpPort}/metrics`;
    const scraped = startAgentProcess(
      [
        "-node=scraped",
        `-bind=127.0.0.1:${bindPort}`,
        "-profile=local",
        `-http-addr=127.0.0.1:${httpPort}`,
        "-http-auth=scrape-token",
      ],
      binary,
      bareEnv,
    );
    let peer: ReturnType<typeof startAgentProcess> | undefined;
    let client: RpcClient | undefined;
    const scrape = async (): Promise<Map<string, ParsedFamily>> => {
      const res = await fetch(url, { headers: AUTH });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      return await parseMetrics(await res.text());
    };
    const scrapeUntil = async (
      what: string,
      pred: (f: Map<string, ParsedFamily>) => boolean,
      maxMs = 30_000,
    ) => {
      let last = new Map<string, ParsedFamily>();
      const ok = await waitFor(async () => pred(last = await scrape()), maxMs);
      assert.ok(ok, `timed out waiting for ${what}\n${scraped.output()}\n---\n${peer?.output()}`);
      return last;
    };
    try {
      const up = await waitFor(async () => {
        const res = await fetch(url, { headers: AUTH }).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200;
      }, 30_000);
      assert.ok(up, scraped.output());
      const denied = await fetch(url);
      assert.equal(denied.status, 401);
      assert.deepEqual(await denied.json(), { error: "missing or wrong bearer token (http_auth)" });

      // The peer starts once the scraped agent listens (its -join must find it).
      peer = startAgentProcess(
        ["-node=peer", `-bind=127.0.0.1:${freePort()}`, "-profile=local", `-join=127.0.0.1:${bindPort}`],
        binary,
        bareEnv,
      );

      const joined = await scrapeUntil(
        "the peer's join",
        (f) =>
          valueOf(f, "serfts_members", { status: "alive" }) === 2 &&
          valueOf(f, "serfts_member_changes_total", { change: "join" }) >= 1,
      );
      assert.ok(valueOf(joined, "serfts_gossip_received_bytes_total", { transport: "tcp" }) > 0);

      const posted = await fetch(`http://127.0.0.1:${httpPort}/v1/event`, {
        method: "POST",
        headers: AUTH,
        body: '{"Name":"deploy","Payload":"v1"}',
      });
      assert.equal(posted.status, 200, await posted.text());
      const afterEvent = await scrapeUntil(
        "the event",
        (f) => valueOf(f, "serfts_user_events_received_total") >= 1,
      );
      assert.equal(valueOf(afterEvent, "serfts_user_events_sent_total"), 1);

      client = await RpcClient.connect(scraped.rpcAddr);
      await client.members();
      const withClient = await scrape();
      assert.equal(valueOf(withClient, "serfts_rpc_clients"), 1);
      assert.ok(valueOf(withClient, "serfts_rpc_connections_total") >= 1);

      await peer.stop("SIGKILL");
      const failed = await scrapeUntil(
        "the peer failed",
        (f) => valueOf(f, "serfts_members", { status: "failed" }) === 1,
      );
      assert.ok(
        valueOf(failed, "serfts_probe_duration_seconds") > valueOf(joined, "serfts_probe_duration_seconds"),
      );
      assert.ok(valueOf(failed, "serfts_suspicions_total") >= 1);
      assert.ok(
        valueOf(failed, "serfts_runtime_sys_bytes") > 0,
        "the runtime poll (every second) reaches the sink",
      );
    } finally {
      client?.close();
      await peer?.stop("SIGKILL");
      await scraped.stop("SIGKILL");
    }
  },
});
