/**
 * Helpers to run the real HashiCorp `serf` binary on loopback for interop tests.
 * Tests that need it are ignored, with a visible message, when it is missing.
 */

/** Path of the real serf binary, or undefined when not installed. */
export function findSerf(): string | undefined {
  for (const p of ["/usr/bin/serf", "/usr/local/bin/serf"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free TCP+UDP port on 127.0.0.1 (best effort: bind, read, release). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export interface SerfAgent {
  name: string;
  bind: string;
  rpc: string;
  /** Runs a serf CLI command against this agent and returns stdout. */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Parsed `serf members -format=json`. */
  members(): Promise<{ name: string; addr: string; status: string; tags: Record<string, string> }[]>;
  stop(): Promise<void>;
  log(): string;
}

/** Starts `serf agent` with the given extra flags; waits until its RPC answers. */
export async function startSerf(
  serf: string,
  name: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<SerfAgent> {
  const bindPort = freePort();
  const rpcPort = freePort();
  const bind = `127.0.0.1:${bindPort}`;
  const rpc = `127.0.0.1:${rpcPort}`;
  const child = new Deno.Command(serf, {
    args: ["agent", `-node=${name}`, `-bind=${bind}`, `-rpc-addr=${rpc}`, "-log-level=debug", ...extra],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const pump = async (r: ReadableStream<Uint8Array>) => {
    for await (const chunk of r) output += decoder.decode(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const cli = async (args: string[]) => {
    const [cmd, ...rest] = args;
    const out = await new Deno.Command(serf, {
      args: [cmd!, `-rpc-addr=${rpc}`, ...rest],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(15_000),
    }).output();
    return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  };
  const agent: SerfAgent = {
    name,
    bind,
    rpc,
    cli,
    async members() {
      const r = await cli(["members", "-format=json"]);
      if (r.code !== 0) throw new Error(`serf members failed: ${r.stderr}`);
      return JSON.parse(r.stdout).members;
    },
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await pumps;
    },
    log: () => output,
  };
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if ((await cli(["members"])).code === 0) return agent;
    await new Promise((r) => setTimeout(r, 100));
  }
  await agent.stop();
  throw new Error(`serf agent ${name} did not start:\n${output}`);
}

/** Polls `pred` every 100 ms for at most `maxMs`. */
export async function waitFor(pred: () => Promise<boolean> | boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await pred();
}
