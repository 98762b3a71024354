/**
 * Runs the real HashiCorp `serf agent` on loopback for RPC and CLI tests.
 * Tests that need it are ignored, with a visible message, when it is missing.
 */

/** Path of the real serf binary, or undefined when not installed. */
export function findSerfBinary(): string | undefined {
  for (const p of ["/usr/bin/serf", "/usr/local/bin/serf"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (bind, read, release). */
export function freeTcpPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A running `serf agent` child process. */
export interface RealAgent {
  name: string;
  /** Gossip address (`127.0.0.1:port`). */
  bind: string;
  /** RPC address (`127.0.0.1:port`). */
  rpc: string;
  /** Everything the agent printed so far. */
  output(): string;
  /** Kills the agent (SIGKILL) and waits for it; safe to call twice. */
  stop(): Promise<void>;
  /** Resolves when the process exits on its own (after `serf leave`). */
  exited: Promise<Deno.CommandStatus>;
}

/** Starts `serf agent` with `extra` flags; resolves once its RPC port accepts connections. */
export async function startRealAgent(serf: string, name: string, extra: string[] = []): Promise<RealAgent> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const bind = `127.0.0.1:${freeTcpPort()}`;
    const rpc = `127.0.0.1:${freeTcpPort()}`;
    const child = new Deno.Command(serf, {
      args: ["agent", `-node=${name}`, `-bind=${bind}`, `-rpc-addr=${rpc}`, "-log-level=debug", ...extra],
      stdout: "piped",
      stderr: "piped",
      env: { PATH: "/usr/bin:/bin" },
    }).spawn();
    let text = "";
    const decoder = new TextDecoder();
    const pump = async (r: ReadableStream<Uint8Array>) => {
      for await (const chunk of r) text += decoder.decode(chunk);
    };
    const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
    let stopped = false;
    const exited = child.status.then(async (s) => {
      await pumps;
      return s;
    });
    const agent: RealAgent = {
      name,
      bind,
      rpc,
      output: () => text,
      exited,
      async stop() {
        if (!stopped) {
          stopped = true;
          try {
            child.kill("SIGKILL");
          } catch {
            // already exited
          }
        }
        await exited;
      },
    };
    const [host, port] = rpc.split(":");
    const end = Date.now() + 10_000;
    let exitedEarly = false;
    exited.then(() => exitedEarly = true);
    while (Date.now() < end && !exitedEarly) {
      try {
        const conn = await Deno.connect({ hostname: host!, port: Number(port) });
        conn.close();
        // The RPC listener opens after Serf is up; give the agent a moment to log its start.
        return agent;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await agent.stop();
    if (!text.includes("address already in use")) {
      throw new Error(`serf agent ${name} did not start:\n${text}`);
    }
  }
  throw new Error(`serf agent ${name} did not start: no free ports after 3 attempts`);
}

/** Polls `pred` every 50 ms for at most `maxMs`; returns its last answer. */
export async function waitUntil(pred: () => Promise<boolean> | boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return await pred();
}

/** Runs the real serf CLI; returns exit code and output. */
export async function runRealCli(
  serf: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(serf, {
    args,
    env: { PATH: "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}
