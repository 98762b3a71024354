/**
 * The agent plugs into the RPC server without adapters: lib/agent's Agent is an
 * RpcAgent, and startRpcServer is the agent's RpcServerFactory. Checked by the
 * type checker; the test body only makes the file part of the suite.
 */
import assert from "node:assert/strict";
import type { Agent } from "../../lib/agent/agent.ts";
import type { RpcServerFactory } from "../../lib/agent/rpc_host.ts";
import type { RpcAgent } from "../../lib/rpc/agent_api.ts";
import { startRpcServer } from "../../lib/rpc/server.ts";

const agentIsRpcAgent = (a: Agent): RpcAgent => a;
const factory: RpcServerFactory = startRpcServer;

Deno.test("RpcAgent matches the agent's RPC host shape and startRpcServer its factory", () => {
  assert.equal(typeof agentIsRpcAgent, "function");
  assert.equal(factory, startRpcServer);
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
