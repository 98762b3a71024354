/**
 * Helpers for the telemetry tests: statsd (UDP) and statsite (TCP) collectors
 * on loopback that keep every line they receive, and a way to start `serf
 * agent` or `serfts agent` with the same arguments.
 */
import type * as NodeDgram from "node:dgram";
import { createSocket } from "node:dgram";
import { freePort } from "../interop/_serf.ts";

/** One received statsd line, split. */
export interface ReceivedMetric {
  name: string;
  value: number;
  type: string;
}

/** A collector: the lines so far, and a way to stop listening. */
export interface Collector {
  /** `host:port` to put in `statsd_addr` / `statsite_addr`. */
  addr: string;
  lines: string[];
  metrics(): ReceivedMetric[];
  /** True once a line whose name ends with `suffix` arrived. */
  has(suffix: string): boolean;
  close(): Promise<void>;
}

function parseLines(lines: string[]): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const line of lines) {
    const m = /^(.+):([^:|]+)\|([a-z]+)$/.exec(line);
    if (m) out.push({ name: m[1]!, value: Number(m[2]), type: m[3]! });
  }
  return out;
}

function collectorFrom(addr: string, lines: string[], close: () => Promise<void>): Collector {
  return {
    addr,
    lines,
    metrics: () => parseLines(lines),
    has: (suffix) => parseLines(lines).some((m) => m.name.endsWith(suffix)),
    close,
  };
}

/** Listens for statsd datagrams on 127.0.0.1 (node:dgram: Deno's own UDP API is unstable). */
export async function statsdCollector(): Promise<Collector> {
  const sock: NodeDgram.Socket = createSocket("udp4");
  const lines: string[] = [];
  sock.on("message", (msg) => {
    for (const l of new TextDecoder().decode(msg).split("\n")) if (l !== "") lines.push(l);
  });
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  const port = sock.address().port;
  return collectorFrom(`127.0.0.1:${port}`, lines, () => new Promise((r) => sock.close(() => r())));
}

/** Accepts statsite connections on 127.0.0.1 and reads lines from each; `dropClients` hangs up on them. */
export function statsiteCollector(): Collector & { connections: number; dropClients(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const lines: string[] = [];
  const conns = new Set<Deno.Conn>();
  const readers: Promise<void>[] = [];
  let connections = 0;
  const read = async (conn: Deno.Conn) => {
    const dec = new TextDecoder();
    let rest = "";
    try {
      for await (const chunk of conn.readable) {
        rest += dec.decode(chunk, { stream: true });
        const parts = rest.split("\n");
        rest = parts.pop()!;
        lines.push(...parts.filter((l) => l !== ""));
      }
    } catch {
      // closed by dropClients or close
    }
    conns.delete(conn);
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        connections++;
        conns.add(conn);
        readers.push(read(conn));
      }
    } catch {
      // listener closed
    }
  })();
  const dropAll = () => {
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  };
  const base = collectorFrom(`127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, lines, async () => {
    listener.close();
    dropAll();
    await accepting;
    await Promise.all(readers);
  });
  return {
    ...base,
    get connections() {
      return connections;
    },
    dropClients: dropAll,
  };
}

/** A running agent process of either implementation. */
export interface AgentUnderTest {
  bind: string;
  rpc: string;
  output(): string;
  /** Sends `signal` without waiting (SIGUSR1: dump metrics). */
  signal(signal: Deno.Signal): Promise<void>;
  /** Sends `signal` and waits (at most 15 s, then SIGKILL) for the exit. */
  stop(signal: Deno.Signal): Promise<void>;
}

/** Where `serfts` comes from: `SERFTS_BINARY` (e.g. dist/serfts) or `deno run cli.ts`. */
function serftsCommand(args: string[]): { cmd: string; args: string[] } {
  const binary = Deno.env.get("SERFTS_BINARY");
  if (binary) return { cmd: binary, args };
  const cli = new URL("../../cli.ts", import.meta.url).pathname;
  return { cmd: Deno.execPath(), args: ["run", "-A", cli, ...args] };
}

/** Starts `serf agent` (`impl` is the serf binary) or `serfts agent` on fresh loopback ports. */
export function startAgentUnderTest(impl: string | "serfts", name: string, extra: string[]): AgentUnderTest {
  const bind = `127.0.0.1:${freePort()}`;
  const rpc = `127.0.0.1:${freePort()}`;
  const args = ["agent", `-node=${name}`, `-bind=${bind}`, `-rpc-addr=${rpc}`, ...extra];
  const spec = impl === "serfts" ? serftsCommand(args) : { cmd: impl, args };
  const child = new Deno.Command(spec.cmd, { args: spec.args, stdout: "piped", stderr: "piped" }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (r: ReadableStream<Uint8Array>) => {
    for await (const c of r) out += dec.decode(c);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then(() => void (exited = true));
  return {
    bind,
    rpc,
    output: () => out,
    async signal(signal) {
      if (!exited) child.kill(signal);
      // Give the agent a moment to write its answer before the caller looks at the output.
      await new Promise((r) => setTimeout(r, 300));
    },
    async stop(signal) {
      if (!exited) {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      }
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, 15_000);
      await status;
      clearTimeout(timer);
      await pumps;
    },
  };
}

/** Runs the real serf CLI against an agent's RPC address. */
export async function serfCli(
  serf: string,
  rpc: string,
  args: string[],
): Promise<{ code: number; out: string }> {
  const [cmd, ...rest] = args;
  const r = await new Deno.Command(serf, {
    args: [cmd!, `-rpc-addr=${rpc}`, ...rest],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Polls `pred` every 100 ms for at most `maxMs`. */
export async function pollUntil(pred: () => boolean | Promise<boolean>, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await pred();
}
