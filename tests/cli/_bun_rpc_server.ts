/**
 * Run with Bun by cli_fake_server_diff_test.ts: hosts our RpcServer on a free
 * loopback port with a one-member agent, prints the address, and exits when
 * its stdin closes.
 */
import process from "node:process";
import type { RpcAgent } from "../../lib/rpc/agent_api.ts";
import { RpcServer } from "../../lib/rpc/server.ts";
import { AsyncQueue } from "../../lib/util/async.ts";
import type { NodeResponse } from "../../lib/serf/query_response.ts";

const self = {
  name: "bun-node",
  addr: "127.0.0.1",
  port: 7946,
  tags: { runtime: "bun" },
  status: "alive" as const,
  protocolMin: 1,
  protocolMax: 5,
  protocolCur: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 5,
};
const unsupported = () => Promise.reject(new Error("not supported in this test agent"));
const agent: RpcAgent = {
  members: () => [self],
  join: unsupported,
  leave: unsupported,
  shutdown: () => Promise.resolve(),
  forceLeave: unsupported,
  userEvent: () => {},
  query(_name, _payload, params) {
    const acks = new AsyncQueue<string>();
    const responses = new AsyncQueue<NodeResponse>();
    if (params.requestAck) acks.push("bun-node");
    responses.push({ from: "bun-node", payload: new TextEncoder().encode("hi") });
    acks.close();
    responses.close();
    return { deadline: performance.now() + (params.timeoutMs || 1000), acks, responses };
  },
  setTags: unsupported,
  installKey: unsupported,
  useKey: unsupported,
  removeKey: unsupported,
  listKeys: unsupported,
  stats: () => ({ agent: { name: "bun-node" } }),
  getCoordinate: () => undefined,
  subscribeEvents: () => () => {},
  subscribeLogs: () => () => {},
};

const server = await RpcServer.listen({ host: "127.0.0.1", port: 0 }, { agent });
process.stdout.write(`127.0.0.1:${server.address!.port}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.close();
  process.exit(0);
});
