/**
 * The compiled `dist/serfts` (Bun when deno compile cannot run) serves the
 * HTTP API the same way: members with the bearer token, 401 without, an event
 * posted over HTTP arriving on the SSE stream, the connection limit, and a
 * busy port reported like the RPC's.
 */
import assert from "node:assert/strict";
import { ensureBinary } from "../_binary.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { startAgentProcess } from "../interop/_serfts.ts";
import { readLines } from "./_http_agent.ts";

const bareEnv = { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" };

Deno.test({
  name: "dist/serfts agent -http-addr serves /v1/members, SSE and POST, with auth and connection limits",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const binary = await ensureBinary();
    const httpPort = freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const agent = startAgentProcess(
      [
        "-node=bin-http",
        `-bind=127.0.0.1:${freePort()}`,
        `-http-addr=127.0.0.1:${httpPort}`,
        "-http-auth=tok",
      ],
      binary,
      bareEnv,
    );
    const conns: Deno.Conn[] = [];
    try {
      const auth = { Authorization: "Bearer tok" };
      const up = await waitFor(async () => {
        const res = await fetch(`${base}/v1/members`, { headers: auth }).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200;
      }, 30_000);
      assert.ok(up, agent.output());
      assert.match(agent.output(), new RegExp(`serfts: HTTP API and dashboard at ${base}/`));
      const members = await (await fetch(`${base}/v1/members`, { headers: auth })).json();
      assert.deepEqual(members.map((m: { Name: string; Status: string }) => [m.Name, m.Status]), [
        ["bin-http", "alive"],
      ]);
      const denied = await fetch(`${base}/v1/members`);
      assert.equal(denied.status, 401);
      assert.deepEqual(await denied.json(), { error: "missing or wrong bearer token (http_auth)" });

      const stream = await fetch(`${base}/v1/events?filter=user`, { headers: auth });
      assert.equal(stream.status, 200);
      let posted = false;
      const lines = await readLines(stream, (ls) => {
        if (!posted && ls.includes(": connected")) {
          posted = true;
          void fetch(`${base}/v1/event`, {
            method: "POST",
            headers: auth,
            body: '{"Name":"from-http","Payload":"hi"}',
          }).then((r) => r.body?.cancel());
        }
        return ls.some((l) => l.startsWith("data: "));
      }, 15_000);
      assert.ok(lines.includes("event: user"), lines.join("\n"));
      const data = JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6));
      assert.deepEqual([data.Name, data.Payload], ["from-http", "hi"]);

      // The runtime honours the connection limit: beyond 64, connections are closed as soon as accepted.
      const closed: boolean[] = [];
      for (let i = 0; i < 100; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: httpPort });
        conns.push(conn);
        closed.push(false);
        void conn.read(new Uint8Array(64)).then(() => (closed[i] = true), () => (closed[i] = true));
      }
      assert.ok(
        await waitFor(() => closed.filter(Boolean).length >= 36, 5_000),
        `${closed.filter(Boolean).length}`,
      );
      for (const c of conns.splice(0)) c.close();

      // A second agent on the same HTTP port fails like a busy RPC port.
      const clash = startAgentProcess(
        ["-node=bin-clash", `-bind=127.0.0.1:${freePort()}`, `-http-addr=127.0.0.1:${httpPort}`],
        binary,
        bareEnv,
      );
      assert.equal(await clash.exited, 1);
      await clash.stop("SIGKILL");
      assert.match(
        clash.output(),
        new RegExp(
          `Error starting HTTP listener: listen tcp 127\\.0\\.0\\.1:${httpPort}: bind: address already in use`,
        ),
      );
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the server */ }
      }
      await agent.stop("SIGKILL");
    }
  },
});
