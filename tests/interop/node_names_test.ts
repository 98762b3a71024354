/**
 * `validate_node_names` (Serf 0.9.5+, parsed but never applied by Serf 0.10):
 * with it on, a bad own name stops the agent with Serf's texts, and members
 * with bad names, a real `serf` among them, are refused; off by default.
 */
import assert from "node:assert/strict";
import { runOurs } from "../cli/_cli.ts";
import { findSerf, freePort, startSerf, waitFor } from "./_serf.ts";
import { startAgentProcess } from "./_serfts.ts";

const serfBin = findSerf();
if (!serfBin) console.warn("node_names_test: SKIPPED: the serf binary is not installed");
const opts = { sanitizeOps: false, sanitizeResources: false };

async function validatingConfig(): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir({ prefix: "serfts-names-" });
  const file = `${dir}/validate.json`;
  await Deno.writeTextFile(file, JSON.stringify({ validate_node_names: true }));
  return { dir, file };
}

async function memberNames(rpcAddr: string): Promise<string[]> {
  const r = await runOurs(["members", `-rpc-addr=${rpcAddr}`, "-format=json"]);
  return r.code === 0 ? (JSON.parse(r.stdout).members as { name: string }[]).map((m) => m.name).sort() : [];
}

Deno.test({
  name: "Node names: a bad own name stops a validating agent with Serf's texts",
  ...opts,
  async fn() {
    const { dir, file } = await validatingConfig();
    try {
      for (
        const [name, text] of [
          [
            "web_1",
            "Node name contains invalid characters web_1 , Valid characters include all alpha-numerics and dashes and '.' ",
          ],
          ["n".repeat(129), "Node name is 129 characters. Valid length is between 1 and 128 characters"],
        ]
      ) {
        const agent = startAgentProcess([
          `-node=${name}`,
          `-bind=127.0.0.1:${freePort()}`,
          `-config-file=${file}`,
        ]);
        assert.equal(await agent.exited, 1, agent.output());
        await agent.stop("SIGKILL");
        assert.ok(agent.output().includes(text!), agent.output());
      }
      // Off by default: the same name starts.
      const lenient = startAgentProcess([`-node=web_1`, `-bind=127.0.0.1:${freePort()}`]);
      assert.ok(await waitFor(async () => (await memberNames(lenient.rpcAddr)).length === 1, 20_000));
      await lenient.stop("SIGKILL");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Node names: a validating agent refuses members with bad names, a real serf's included",
  ignore: !serfBin,
  ...opts,
  async fn() {
    const { dir, file } = await validatingConfig();
    const aPort = freePort();
    const a = startAgentProcess(["-node=names-a", `-bind=127.0.0.1:${aPort}`, `-config-file=${file}`]);
    const good = startAgentProcess(["-node=names-good.dc1", `-bind=127.0.0.1:${freePort()}`]);
    const bad = startAgentProcess(["-node=names_bad", `-bind=127.0.0.1:${freePort()}`]);
    const serf = await startSerf(serfBin!, "serf_bad");
    try {
      for (const agent of [a, good, bad]) {
        assert.ok(
          await waitFor(async () => (await memberNames(agent.rpcAddr)).length === 1, 20_000),
          agent.output(),
        );
      }
      // The good node's join must succeed; the bad node's push/pull is refused by a (its own side may not notice).
      const joinA = (rpc: string) => runOurs(["join", `-rpc-addr=${rpc}`, `127.0.0.1:${aPort}`]);
      assert.equal((await joinA(good.rpcAddr)).code, 0, good.output());
      await joinA(bad.rpcAddr);
      await serf.cli(["join", `127.0.0.1:${aPort}`]);
      assert.ok(
        await waitFor(async () => (await memberNames(a.rpcAddr)).includes("names-good.dc1"), 20_000),
        a.output(),
      );
      await new Promise((r) => setTimeout(r, 3_000)); // gossip and a probe round for the refused ones
      assert.deepEqual(await memberNames(a.rpcAddr), ["names-a", "names-good.dc1"], a.output());
      assert.match(a.output(), /Node name contains invalid characters (names_bad|serf_bad) ,/);
    } finally {
      await serf.stop();
      await Promise.all([a.stop("SIGKILL"), good.stop("SIGKILL"), bad.stop("SIGKILL")]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
