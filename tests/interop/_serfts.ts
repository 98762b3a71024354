/**
 * serfts nodes for interop tests: in-process Serf instances on real loopback
 * sockets, and `serfts agent` child processes (for SIGKILL and restarts).
 */
import { defaultLanConfig, defaultLocalConfig } from "../../lib/memberlist/config.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import { Serf } from "../../lib/serf/serf.ts";
import type { SerfEvent } from "../../lib/serf/types.ts";
import { DenoTransport } from "../../lib/transport/deno.ts";
import { Logger } from "../../lib/util/log.ts";
import assert from "node:assert/strict";
import { RpcClient } from "../../lib/rpc/client.ts";
import { freePort, waitFor } from "./_serf.ts";

export interface InProcessNode {
  serf: Serf;
  bind: string;
  events: SerfEvent[];
  logs: string[];
  /** Stops the node (without leaving) and waits for its event loop. */
  stop(): Promise<void>;
}

/** Starts an in-process serfts node that answers every (non-internal) query with `ts pong <name>`. */
export async function startInProcess(
  name: string,
  options: { tags?: Record<string, string>; key?: Uint8Array; profile?: "lan" | "local" } = {},
): Promise<InProcessNode> {
  const logs: string[] = [];
  const logger = new Logger({ sink: (l) => logs.push(l), level: "DEBUG" });
  const transport = await DenoTransport.listen({ host: "127.0.0.1", port: 0, logger });
  const serf = await Serf.create({
    nodeName: name,
    tags: options.tags ?? {},
    memberlist: {
      ...(options.profile === "local" ? defaultLocalConfig() : defaultLanConfig()),
      bindAddr: "127.0.0.1",
      bindPort: transport.localAddress.port,
      keyring: options.key ? new Keyring([options.key], options.key) : undefined,
      transport,
      logger,
    },
  });
  const events: SerfEvent[] = [];
  const consumer = (async () => {
    for await (const e of serf.events) {
      events.push(e);
      if (e.type === "query") {
        try {
          e.respond(new TextEncoder().encode(`ts pong ${name}`));
        } catch (err) {
          logs.push(`respond failed: ${err}`);
        }
      }
    }
  })();
  return {
    serf,
    bind: `127.0.0.1:${transport.localAddress.port}`,
    events,
    logs,
    async stop() {
      await serf.shutdown();
      await consumer;
    },
  };
}

export interface AgentProcess {
  child: Deno.ChildProcess;
  output(): string;
  /** Sends a signal and waits for exit. */
  stop(signal: Deno.Signal): Promise<void>;
  /** The agent's RPC address. */
  rpcAddr: string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number>;
}

/** Runs `serfts agent` (via `deno run cli.ts`) with the given flags. */
export function startAgentProcess(
  args: string[],
  binary?: string,
  env?: Record<string, string>,
  cwd?: string,
): AgentProcess {
  const cli = new URL("../../cli.ts", import.meta.url).pathname;
  // Every agent gets its own RPC port so several can run at once.
  const rpcAddr = `127.0.0.1:${freePort()}`;
  const agentArgs = ["agent", `-rpc-addr=${rpcAddr}`, ...args];
  const child = new Deno.Command(binary ?? Deno.execPath(), {
    args: binary ? agentArgs : ["run", "-A", "--unstable-net", cli, ...agentArgs],
    env,
    clearEnv: env !== undefined,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (r: ReadableStream<Uint8Array>) => {
    for await (const c of r) out += dec.decode(c);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  return {
    child,
    rpcAddr,
    exited: status.then((s) => s.code),
    output: () => out,
    async stop(signal: Deno.Signal) {
      if (!exited) {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      }
      await status;
      await pumps;
    },
  };
}

/** An RPC client to `agent`, once its RPC port answers (30 s bound); fails the test with its output otherwise. */
export async function connectWhenReady(agent: AgentProcess, timeoutMs = 10_000): Promise<RpcClient> {
  let client: RpcClient | undefined;
  const ready = await waitFor(async () => {
    client = await RpcClient.connect(agent.rpcAddr, { timeoutMs }).catch(() => undefined);
    return client !== undefined;
  }, 30_000);
  assert.ok(ready && client, `the agent did not answer RPC:\n${agent.output()}`);
  return client;
}
