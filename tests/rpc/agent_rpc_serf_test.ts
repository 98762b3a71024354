/**
 * The RPC paths that server_test.ts proves only against a fake agent, on a
 * real serfts Agent (in process, served by startRpcServer as `serfts agent`
 * does) in an encrypted cluster with a real `serf agent`: auth, key install,
 * use and remove across both nodes, query responses streamed over RPC in both
 * directions, and `respond` reaching the asker (and refused a second time by
 * lib's query guard, not a fake's). Ignored, with a visible message, when serf
 * is absent (a failure in CI, see .ci/run).
 */
import assert from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { defaultAgentConfig } from "../../lib/agent/config.ts";
import type { RpcStreamRecord } from "../../lib/rpc/bodies.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import { type RpcServer, startRpcServer } from "../../lib/rpc/server.ts";
import { testPlatform } from "../agent/_records.ts";
import { findSerfBinary, freeTcpPort, type RealAgent, startRealAgent, waitUntil } from "./_serf_agent.ts";

const serf = findSerfBinary();
if (!serf) {
  console.warn("agent_rpc_serf_test: SKIPPED: the serf binary is not installed (apt-get install serf)");
}

const KEY1 = "5K9OtfP7efFrNKe5WCQvXvnaXJ5cWP0SvXiwe0kkjM4=";
const KEY2 = "HvY8ubRZMgafUOWvrOadwOckVa1wN3QWAo46FVKbVN8=";
const TOKEN = "ts-token";
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

interface Pair {
  agent: Agent;
  rpc: RpcServer;
  rpcAddr: string;
  real: RealAgent;
}

/** A serfts agent (RPC with auth) joined to a real serf agent, both on KEY1. */
async function withPair(fn: (p: Pair) => Promise<void>): Promise<void> {
  const real = await startRealAgent(serf!, "real", [`-encrypt=${KEY1}`]);
  let agent: Agent | undefined;
  let rpc: RpcServer | undefined;
  try {
    agent = await Agent.create({
      config: { ...defaultAgentConfig(), nodeName: "ts", bindAddr: "127.0.0.1:0", encryptKey: KEY1 },
      platform: testPlatform(),
    });
    await agent.start();
    rpc = await startRpcServer(agent, {
      addr: `127.0.0.1:${freeTcpPort()}`,
      authKey: TOKEN,
      logger: agent.logger.child("agent.ipc"),
    });
    const rpcAddr = `127.0.0.1:${rpc.address!.port}`;
    assert.equal(await agent.join([real.bind], false), 1);
    assert.ok(
      await waitUntil(() => agent!.members().filter((m) => m.status === "alive").length === 2, 10_000),
      "the encrypted cluster formed",
    );
    await fn({ agent, rpc, rpcAddr, real });
  } finally {
    await rpc?.close();
    await agent?.shutdown();
    await real.stop();
  }
}

Deno.test({
  name: "serfts agent RPC requires its auth token, then manages keys across an encrypted cluster with serf",
  ignore: !serf,
  async fn() {
    await withPair(async ({ rpcAddr, real }) => {
      const anonymous = await RpcClient.connect(rpcAddr);
      await assert.rejects(anonymous.members(), { message: "Authentication required" });
      anonymous.close();
      await assert.rejects(RpcClient.connect(rpcAddr, { authKey: "wrong" }), /Invalid authentication token/);

      const c = await RpcClient.connect(rpcAddr, { authKey: TOKEN });
      const onReal = await RpcClient.connect(real.rpc);
      try {
        assert.deepEqual((await c.members()).map((m) => m.name).sort(), ["real", "ts"]);
        const listed = await c.listKeys();
        assert.deepEqual([listed.keys, listed.numNodes, listed.numResp, listed.error], [
          { [KEY1]: 2 },
          2,
          2,
          undefined,
        ]);

        assert.equal((await c.installKey(KEY2)).error, undefined);
        assert.deepEqual((await onReal.listKeys()).keys, { [KEY1]: 2, [KEY2]: 2 }, "serf sees the new key");
        assert.equal((await c.useKey(KEY2)).error, undefined);
        // The primary key cannot be removed: both nodes refuse, with their own words.
        const refused = await c.removeKey(KEY2);
        assert.equal(refused.error, "2/2 nodes reported failure");
        assert.deepEqual(Object.keys(refused.messages).sort(), ["real", "ts"]);
        assert.match(refused.messages.real!, /primary/);
        assert.match(refused.messages.ts!, /primary/);
        // Gossip still flows under the new primary key.
        await c.updateTags({ rotated: "yes" }, []);
        assert.ok(
          await waitUntil(
            async () => (await onReal.members()).find((m) => m.name === "ts")?.tags.rotated === "yes",
            10_000,
          ),
          "serf heard the tag change sent under KEY2",
        );
        assert.equal((await c.useKey(KEY1)).error, undefined);
        assert.equal((await c.removeKey(KEY2)).error, undefined);
        assert.deepEqual((await c.listKeys()).keys, { [KEY1]: 2 });
        assert.deepEqual((await onReal.listKeys()).keys, { [KEY1]: 2 });
      } finally {
        c.close();
        onReal.close();
      }
    });
  },
});

Deno.test({
  name: "serfts agent RPC streams query acks and responses, and its clients' responds reach serf",
  ignore: !serf,
  async fn() {
    await withPair(async ({ rpcAddr, real }) => {
      const c = await RpcClient.connect(rpcAddr, { authKey: TOKEN });
      const onReal = await RpcClient.connect(real.rpc);
      try {
        // serf's side answers "uptime" through its own RPC stream.
        const realStream = await onReal.stream("query:uptime", (r) => {
          if (r.event === "query") onReal.respond(r.id, text("real up")).catch(() => {});
        });
        // Our side answers too, through serfts' RPC: respond must reach the asker.
        const ids: number[] = [];
        const tsStream = await c.stream("query:uptime", (r: RpcStreamRecord) => {
          if (r.event !== "query") return;
          ids.push(r.id);
          c.respond(r.id, text(`ts up ${str(r.payload)}`)).catch(() => {});
        });

        // Asked from serfts: acks and responses stream back over serfts' RPC.
        const acks: string[] = [];
        const responses: string[] = [];
        let started = false;
        await c.query({ name: "uptime", payload: text("q1"), requestAck: true, timeoutMs: 2_000 }, {
          onStarted: () => started = true,
          onAck: (from) => acks.push(from),
          onResponse: (r) => responses.push(`${r.from}=${str(r.payload)}`),
        });
        assert.ok(started);
        assert.deepEqual(acks.sort(), ["real", "ts"]);
        assert.deepEqual(responses.sort(), ["real=real up", "ts=ts up q1"]);

        // Asked from serf: the serfts client's respond travels to the real asker.
        const fromReal: string[] = [];
        await onReal.query({ name: "uptime", payload: text("q2"), timeoutMs: 2_000 }, {
          onResponse: (r) => fromReal.push(`${r.from}=${str(r.payload)}`),
        });
        assert.deepEqual(fromReal.sort(), ["real=real up", "ts=ts up q2"]);

        // lib's guard in the live query, not a fake: a second answer is refused.
        assert.equal(ids.length, 2);
        await assert.rejects(c.respond(ids[1]!, text("again")), /response already sent/);
        await assert.rejects(c.respond(999_999, text("x")), /No pending queries matching ID/);

        // Filters travel too: only "real" is asked.
        const filtered: string[] = [];
        await c.query({ name: "uptime", filterNodes: ["real"], timeoutMs: 1_000 }, {
          onResponse: (r) => filtered.push(r.from),
        });
        assert.deepEqual(filtered, ["real"]);
        await tsStream.stop();
        await realStream.stop();
      } finally {
        c.close();
        onReal.close();
      }
    });
  },
});
