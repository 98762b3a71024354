/**
 * One agent process for the live fuzz: `serfts agent` (the built binary if
 * dist/serfts exists, else `deno run cli.ts`) or the real `serf agent`, both
 * started with the same flags, watched through RPC (our client speaks to both)
 * and /proc (resident memory).
 *
 * @module
 */
import { RpcClient } from "../../lib/rpc/client.ts";

/** Which implementation to start. */
export type AgentKind = "serfts" | "serf";

/** A running agent. */
export interface LiveAgent {
  kind: AgentKind;
  name: string;
  /** Gossip address (UDP and TCP). */
  bind: { host: string; port: number };
  /** RPC address, `host:port`. */
  rpc: string;
  pid: number;
  /** True while the process has not exited. */
  running(): boolean;
  /** Everything it printed. */
  output(): string;
  /** Kills it (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url);

/** A free loopback port (bind, read, release: best effort). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** How serfts runs: the built binary (Bun), the sources with Deno, or the binary when it exists. */
export type SerftsRuntime = "binary" | "deno" | "auto";

/** The command for serfts under `runtime`. */
function serftsCommand(runtime: SerftsRuntime): { cmd: string; args: string[] } {
  const binary = new URL("dist/serfts", ROOT).pathname;
  try {
    if (runtime !== "deno" && Deno.statSync(binary).isFile) return { cmd: binary, args: [] };
  } catch {
    if (runtime === "binary") {
      throw new Error(`Cannot run the serfts binary: ${binary} is missing (deno task build)`);
    }
  }
  return { cmd: Deno.execPath(), args: ["run", "-A", new URL("cli.ts", ROOT).pathname] };
}

/**
 * Starts an agent and waits (at most 20 s) until its RPC answers.
 * @param serfPath the real serf binary, for kind "serf"
 * @throws {Error} with the agent's output when it does not come up
 */
export async function startLiveAgent(
  kind: AgentKind,
  name: string,
  options: { serfPath?: string; join?: string; runtime?: SerftsRuntime } = {},
): Promise<LiveAgent> {
  const bind = { host: "127.0.0.1", port: freePort() };
  const rpc = `127.0.0.1:${freePort()}`;
  const base = kind === "serfts"
    ? serftsCommand(options.runtime ?? "auto")
    : { cmd: options.serfPath ?? "/usr/bin/serf", args: [] };
  const args = [
    ...base.args,
    "agent",
    `-node=${name}`,
    `-bind=${bind.host}:${bind.port}`,
    `-rpc-addr=${rpc}`,
    "-log-level=warn",
    ...(options.join ? [`-join=${options.join}`] : []),
  ];
  const child = new Deno.Command(base.cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  let out = "";
  const decoder = new TextDecoder();
  const pump = async (r: ReadableStream<Uint8Array>) => {
    for await (const chunk of r) {
      // Keep the tail only: a fuzzed agent may log many warnings.
      out = (out + decoder.decode(chunk)).slice(-200_000);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const agent: LiveAgent = {
    kind,
    name,
    bind,
    rpc,
    pid: child.pid,
    running: () => !exited,
    output: () => out,
    async stop() {
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
      await status;
      await pumps;
    },
  };
  const end = Date.now() + 20_000;
  while (Date.now() < end && !exited) {
    if (await answers(agent)) return agent;
    await new Promise((r) => setTimeout(r, 200));
  }
  await agent.stop();
  throw new Error(`Cannot start ${kind} agent ${name}: RPC did not answer within 20 s:\n${out.slice(-2000)}`);
}

/** Runs `fn` with an RPC client to `agent`, closing it after; rejects after `timeoutMs`. */
export async function withClient<T>(
  agent: LiveAgent,
  fn: (c: RpcClient) => Promise<T>,
  timeoutMs = 5_000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`RPC to ${agent.rpc} timed out`)), timeoutMs);
  });
  let client: RpcClient | undefined;
  try {
    return await Promise.race([
      (async () => {
        client = await RpcClient.connect(agent.rpc);
        return await fn(client);
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

/** True when the agent's RPC answers a members request. */
export async function answers(agent: LiveAgent): Promise<boolean> {
  try {
    await withClient(agent, (c) => c.members(), 2_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resident set size of a process in KiB, or undefined once it is gone. Asks
 * `ps` rather than reading /proc, which Deno allows only with --allow-all
 * while the test task grants --allow-run.
 */
export async function rssKiB(pid: number): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("ps", {
      args: ["-o", "rss=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    const kib = Number(new TextDecoder().decode(out.stdout).trim());
    return out.success && kib > 0 ? kib : undefined;
  } catch {
    return undefined;
  }
}
