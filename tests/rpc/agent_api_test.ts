/**
 * The agent plugs into the RPC server without adapters: lib/agent's Agent is an
 * RpcAgent, and startRpcServer is the agent's RpcServerFactory (the type
 * checker proves the shapes; the first test proves the wiring works: a real
 * Agent served by the factory answers a real RpcClient).
 */
import assert from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { defaultAgentConfig } from "../../lib/agent/config.ts";
import type { RpcServerFactory } from "../../lib/agent/rpc_host.ts";
import type { RpcAgent } from "../../lib/rpc/agent_api.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import { startRpcServer } from "../../lib/rpc/server.ts";
import type { SerfEvent } from "../../lib/serf/types.ts";
import { testPlatform } from "../agent/_records.ts";
import { waitUntil } from "./_serf_agent.ts";

Deno.test("an Agent served by startRpcServer (the RpcServerFactory) answers an RpcClient", async () => {
  const factory: RpcServerFactory = startRpcServer;
  const agent = await Agent.create({
    config: { ...defaultAgentConfig(), nodeName: "api", bindAddr: "127.0.0.1:0", tags: { role: "db" } },
    platform: testPlatform(),
  });
  await agent.start();
  const rpcAgent: RpcAgent = agent;
  assert.equal(factory, startRpcServer);
  const server = await startRpcServer(rpcAgent, { addr: "127.0.0.1:0", authKey: "", logger: agent.logger });
  const seen: SerfEvent[] = [];
  const off = agent.subscribeEvents((e) => seen.push(e));
  try {
    const client = await RpcClient.connect(`127.0.0.1:${server.address!.port}`);
    try {
      const [me, ...others] = await client.members();
      assert.deepEqual([me?.name, me?.status, me?.tags, others.length], ["api", "alive", { role: "db" }, 0]);
      assert.equal((await client.stats()).agent?.name, "api");
      await client.updateTags({ zone: "a" }, ["role"]);
      assert.deepEqual(agent.serf.localMember().tags, { zone: "a" });
      await client.userEvent("deploy", new TextEncoder().encode("v2"), false);
      assert.ok(await waitUntil(() => seen.some((e) => e.type === "user" && e.name === "deploy"), 5_000));
    } finally {
      client.close();
    }
  } finally {
    off();
    await server.close();
    await agent.shutdown();
  }
});

Deno.test("startRpcServer words a busy address like Go's net.Listen", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const addr = `127.0.0.1:${(taken.addr as Deno.NetAddr).port}`;
  try {
    await assert.rejects(
      startRpcServer({} as RpcAgent, { addr, authKey: "", logger: undefined! }),
      { message: `listen tcp ${addr}: bind: address already in use` },
    );
  } finally {
    taken.close();
  }
});
