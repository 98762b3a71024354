/**
 * Side-by-side benchmark against the real `serf` binary on loopback:
 * - convergence: time from starting N agents (each joining the first) until
 *   the first agent has logged a member-join for all N;
 * - memory: resident set size of each idle agent after convergence;
 * - CPU: user+system time each agent used over an idle window.
 * Prints absolute numbers and serfts/serf ratios. Ratios are what to compare:
 * the machines are shared and noisy.
 *
 * Run: `deno task bench [-- N]` (needs `serf` installed; uses dist/serfts when
 * built, else `deno run cli.ts`).
 */

const N = Number(Deno.args[0] ?? 5);
const IDLE_MS = 5_000;
const root = new URL("../..", import.meta.url).pathname;

interface Agent {
  child: Deno.ChildProcess;
  output: () => string;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function spawn(cmd: string, args: string[]): Agent {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", cwd: root }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (r: ReadableStream<Uint8Array>) => {
    for await (const c of r) out += dec.decode(c);
  };
  pump(child.stdout);
  pump(child.stderr);
  return { child, output: () => out };
}

function procStat(pid: number): { rssKb: number; cpuTicks: number } {
  let rssKb = 0, cpuTicks = 0;
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
    cpuTicks = Number(stat[11]) + Number(stat[12]);
  } catch {
    // process gone
  }
  return { rssKb, cpuTicks };
}

/** The pid doing the work: for `deno run`, the child itself. */
async function measure(
  label: string,
  command: (i: number, bind: string, join?: string) => [string, string[]],
) {
  const agents: Agent[] = [];
  const started = performance.now();
  let seed = "";
  try {
    for (let i = 0; i < N; i++) {
      const bind = `127.0.0.1:${freePort()}`;
      if (i === 0) seed = bind;
      const [cmd, args] = command(i, bind, i === 0 ? undefined : seed);
      agents.push(spawn(cmd, args));
      if (i === 0) await new Promise((r) => setTimeout(r, 1_500)); // let the seed bind first
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const joins = new Set([...agents[0]!.output().matchAll(/EventMemberJoin: (\S+)/g)].map((m) => m[1]));
      if (joins.size >= N) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const convergeMs = performance.now() - started - 1_500;
    if (Date.now() >= deadline) {
      console.error(`${label}: did not converge; first agent said:\n${agents[0]!.output()}`);
    }
    const before = agents.map((a) => procStat(a.child.pid));
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const after = agents.map((a) => procStat(a.child.pid));
    const rssMb = after.reduce((s, x) => s + x.rssKb, 0) / after.length / 1024;
    const cpuPct = after.reduce((s, x, i) => s + (x.cpuTicks - before[i]!.cpuTicks), 0) / after.length /
      100 / (IDLE_MS / 1000) * 100;
    console.log(
      `${label.padEnd(7)} converge ${convergeMs.toFixed(0)} ms, RSS ${rssMb.toFixed(1)} MB/agent, idle CPU ${
        cpuPct.toFixed(2)
      }%/agent`,
    );
    return { convergeMs, rssMb, cpuPct };
  } finally {
    for (const a of agents) {
      try {
        a.child.kill("SIGKILL");
      } catch {
        // gone
      }
      await a.child.status;
    }
  }
}

const serfBin = "/usr/bin/serf";
try {
  Deno.statSync(serfBin);
} catch {
  console.error("bench: the serf binary is not installed (apt-get install serf)");
  Deno.exit(1);
}
let serftsCmd: (args: string[]) => [string, string[]];
try {
  Deno.statSync(`${root}dist/serfts`);
  serftsCmd = (args) => [`${root}dist/serfts`, args];
} catch {
  serftsCmd = (args) => [Deno.execPath(), ["run", "-A", "--unstable-net", `${root}cli.ts`, ...args]];
}

console.log(`Cluster of ${N} agents on loopback, profile lan`);
const serf = await measure("serf", (i, bind, join) => [
  serfBin,
  [
    "agent",
    `-node=s${i}`,
    `-bind=${bind}`,
    `-rpc-addr=127.0.0.1:${freePort()}`,
    ...(join ? [`-join=${join}`] : []),
  ],
]);
const ts = await measure(
  "serfts",
  (i, bind, join) =>
    serftsCmd([
      "agent",
      `-node=t${i}`,
      `-bind=${bind}`,
      `-rpc-addr=127.0.0.1:${freePort()}`,
      ...(join ? [`-join=${join}`] : []),
    ]),
);
console.log(
  `ratio serfts/serf: converge ${(ts.convergeMs / serf.convergeMs).toFixed(2)}x, RSS ${
    (ts.rssMb / serf.rssMb).toFixed(2)
  }x, idle CPU ${(ts.cpuPct / Math.max(serf.cpuPct, 0.01)).toFixed(2)}x`,
);
