/**
 * A real `serf agent` and a serfts agent side by side, configured alike (same
 * node name, same key, same RPC token), for tests that send both the same
 * failing request and compare the answers byte for byte. The serfts agent runs
 * in process and serves RPC as `serfts agent` does.
 */
import { Agent } from "../../lib/agent/agent.ts";
import { defaultAgentConfig } from "../../lib/agent/config.ts";
import { type RpcServer, startRpcServer } from "../../lib/rpc/server.ts";
import { testPlatform } from "../agent/_records.ts";
import { freeTcpPort, type RealAgent, startRealAgent } from "./_serf_agent.ts";

/** The node name both agents use, so per-node texts (`failed:  errs  ...`) compare equal. */
export const PAIR_NODE = "errs";

/**
 * How a pair is set up: a gossip key (`-encrypt`), an RPC token (`-rpc-auth`),
 * and with `keyringFile` the key kept in a keyring file instead, at
 * `<dir>/real/keyring` and `<dir>/ours/keyring`; all optional.
 */
export interface PairOptions {
  encryptKey?: string;
  authKey?: string;
  keyringFile?: boolean;
}

/** The two agents of a pair: `real` is serf's, `ours` is serfts'. */
export interface AgentPair {
  real: { rpc: string; bind: string; keyringFile?: string };
  ours: { rpc: string; bind: string; keyringFile?: string };
}

/** Starts both agents, runs `fn`, and stops both whatever happens. */
export async function withAgentPair(
  serf: string,
  options: PairOptions,
  fn: (pair: AgentPair) => Promise<void>,
): Promise<void> {
  // serf has no -rpc-auth flag: the token goes in a config file.
  const dir = await Deno.makeTempDir({ prefix: "serfts_error_pair_" });
  const configFile = `${dir}/agent.json`;
  await Deno.writeTextFile(configFile, JSON.stringify({ rpc_auth: options.authKey ?? "" }));
  const keyringFile = async (who: string) => {
    if (!options.keyringFile) return undefined;
    await Deno.mkdir(`${dir}/${who}`);
    await Deno.writeTextFile(`${dir}/${who}/keyring`, JSON.stringify([options.encryptKey]));
    return `${dir}/${who}/keyring`;
  };
  const realKeyring = await keyringFile("real");
  const oursKeyring = await keyringFile("ours");
  const flags = [
    `-config-file=${configFile}`,
    ...(realKeyring ? [`-keyring-file=${realKeyring}`] : []),
    ...(options.encryptKey && !realKeyring ? [`-encrypt=${options.encryptKey}`] : []),
  ];
  let real: RealAgent | undefined;
  let agent: Agent | undefined;
  let rpc: RpcServer | undefined;
  try {
    real = await startRealAgent(serf, PAIR_NODE, flags);
    agent = await Agent.create({
      config: {
        ...defaultAgentConfig(),
        nodeName: PAIR_NODE,
        bindAddr: "127.0.0.1:0",
        encryptKey: oursKeyring ? "" : options.encryptKey ?? "",
        keyringFile: oursKeyring ?? "",
      },
      platform: testPlatform(),
    });
    await agent.start();
    rpc = await startRpcServer(agent, {
      addr: `127.0.0.1:${freeTcpPort()}`,
      authKey: options.authKey ?? "",
      logger: agent.logger.child("agent.ipc"),
    });
    const bind = agent.serf.localMember().port;
    await fn({
      real: { rpc: real.rpc, bind: real.bind, keyringFile: realKeyring },
      ours: { rpc: `127.0.0.1:${rpc.address!.port}`, bind: `127.0.0.1:${bind}`, keyringFile: oursKeyring },
    });
  } finally {
    await rpc?.close();
    await agent?.shutdown();
    await real?.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
