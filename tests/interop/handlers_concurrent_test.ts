/**
 * serf#369 / serf#204 on real agents: a user-event handler that runs for a
 * minute holds back neither member-join handlers nor query answers, and a
 * query handler that leaves a background child holding its output still
 * answers in time.
 */
import assert from "node:assert/strict";
import { runOurs } from "../cli/_cli.ts";
import { freePort, waitFor } from "./_serf.ts";
import { startAgentProcess } from "./_serfts.ts";

Deno.test({
  name:
    "Handlers: a slow user-event handler blocks no member-join handler; background children end no query late",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-lanes-" });
    const joined = `${dir}/joined`;
    const aPort = freePort();
    const a = startAgentProcess([
      "-node=lanes-a",
      `-bind=127.0.0.1:${aPort}`,
      "-event-handler=user:slow=sleep 61",
      `-event-handler=member-join=cat >> ${joined}`,
      // Answers at once, but leaves a child holding stdout for a minute.
      "-event-handler=query:uptime=(sleep 62 &); echo up",
    ]);
    const b = startAgentProcess(["-node=lanes-b", `-bind=127.0.0.1:${freePort()}`]);
    try {
      const up = await waitFor(
        async () => (await runOurs(["members", `-rpc-addr=${a.rpcAddr}`])).code === 0,
        20_000,
      );
      assert.ok(up, a.output());
      assert.equal((await runOurs(["event", `-rpc-addr=${a.rpcAddr}`, "slow"])).code, 0);
      await new Promise((r) => setTimeout(r, 500)); // the slow handler is running
      const j = await waitFor(
        async () => (await runOurs(["join", `-rpc-addr=${b.rpcAddr}`, `127.0.0.1:${aPort}`])).code === 0,
        20_000,
      );
      assert.ok(j, b.output());
      const ran = await waitFor(async () => {
        const text = await Deno.readTextFile(joined).catch(() => "");
        return text.includes("lanes-b");
      }, 15_000);
      assert.ok(ran, `the member-join handler waited behind the slow user event:\n${a.output()}`);

      const t0 = performance.now();
      const q = await runOurs(["query", `-rpc-addr=${b.rpcAddr}`, "-timeout=8s", "-node=lanes-a", "uptime"]);
      const tookMs = performance.now() - t0;
      assert.equal(q.code, 0, q.stderr);
      assert.match(q.stdout, /Response from 'lanes-a': up/);
      assert.ok(tookMs < 6_000, `the answer waited for the background child: ${tookMs} ms`);
    } finally {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
      // The handlers' children outlive a SIGKILLed agent (own process groups): end them.
      await new Deno.Command("pkill", { args: ["-x", "-f", "sleep 6[12]"] }).output().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
