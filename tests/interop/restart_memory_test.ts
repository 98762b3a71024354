/**
 * What a restarted agent remembers, on real agents:
 * - serf#465: user events delivered before a SIGKILL are not delivered again
 *   after the restart (Serf 0.9.4 replays them on auto-rejoin);
 * - serf#333: members that had failed before the restart are retried by the
 *   reconnect loop instead of being forgotten.
 */
import assert from "node:assert/strict";
import { runOurs } from "../cli/_cli.ts";
import { freePort, waitFor } from "./_serf.ts";
import { type AgentProcess, startAgentProcess } from "./_serfts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function statusOf(agent: AgentProcess, name: string): Promise<string | undefined> {
  const r = await runOurs(["members", `-rpc-addr=${agent.rpcAddr}`, "-format=json"]);
  if (r.code !== 0) return undefined;
  const members = JSON.parse(r.stdout).members as { name: string; status: string }[];
  return members.find((m) => m.name === name)?.status;
}

Deno.test({
  name: "Restart: events delivered before a SIGKILL reach the handler once",
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-replay-" });
    const aPort = freePort();
    const aArgs = [
      "-node=replay-a",
      `-bind=127.0.0.1:${aPort}`,
      `-snapshot=${dir}/a.snap`,
      `-event-handler=user=cat >> ${dir}/events`,
    ];
    let a = startAgentProcess(aArgs);
    const b = startAgentProcess(["-node=replay-b", `-bind=127.0.0.1:${freePort()}`]);
    try {
      assert.ok(
        await waitFor(
          async () => (await runOurs(["join", `-rpc-addr=${b.rpcAddr}`, `127.0.0.1:${aPort}`])).code === 0,
          20_000,
        ),
        a.output(),
      );
      for (let i = 1; i <= 5; i++) {
        assert.equal(
          (await runOurs(["event", `-rpc-addr=${b.rpcAddr}`, "-coalesce=false", "deploy", `e${i}`])).code,
          0,
        );
      }
      const lines = async () => (await Deno.readTextFile(`${dir}/events`).catch(() => "")).trim().split("\n");
      assert.ok(await waitFor(async () => (await lines()).length === 5, 15_000), await lines().then(String));
      await a.stop("SIGKILL");

      a = startAgentProcess(aArgs);
      assert.ok(await waitFor(async () => (await statusOf(a, "replay-b")) === "alive", 20_000), a.output());
      // A push/pull (the rejoin's included) carries recent events: give a replay time to happen.
      await new Promise((r) => setTimeout(r, 3_000));
      assert.deepEqual((await lines()).sort(), ["e1", "e2", "e3", "e4", "e5"]);
    } finally {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Restart: members failed before the restart are retried by the reconnect loop",
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-reconnect-" });
    await Deno.writeTextFile(`${dir}/a.json`, JSON.stringify({ reconnect_interval: "1s" }));
    const aArgs = [
      "-node=remember-a",
      `-bind=127.0.0.1:${freePort()}`,
      `-snapshot=${dir}/a.snap`,
      `-config-file=${dir}/a.json`,
    ];
    const cPort = freePort();
    const cArgs = ["-node=remember-c", `-bind=127.0.0.1:${cPort}`];
    let a = startAgentProcess(aArgs);
    let c = startAgentProcess(cArgs);
    try {
      assert.ok(
        await waitFor(
          async () => (await runOurs(["join", `-rpc-addr=${a.rpcAddr}`, `127.0.0.1:${cPort}`])).code === 0,
          20_000,
        ),
        a.output(),
      );
      await c.stop("SIGKILL");
      assert.ok(
        await waitFor(async () => (await statusOf(a, "remember-c")) === "failed", 30_000),
        a.output(),
      );

      await a.stop("SIGKILL");
      a = startAgentProcess(aArgs);
      assert.ok(
        await waitFor(async () => (await statusOf(a, "remember-c")) === "failed", 20_000),
        `the restarted agent forgot the failed member:\n${a.output()}`,
      );
      c = startAgentProcess(cArgs); // back, joining nobody by itself
      assert.ok(
        await waitFor(async () => (await statusOf(a, "remember-c")) === "alive", 30_000),
        `the reconnect loop did not find it:\n${a.output()}`,
      );
    } finally {
      await Promise.all([a.stop("SIGKILL"), c.stop("SIGKILL")]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
