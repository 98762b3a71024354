/**
 * Footprint of serfts next to the real `serf`, on loopback, in one run so the
 * shared machine's noise hits both alike:
 * - idle: one lone agent of each variant, started together; RSS at the end and
 *   CPU ticks (user+system, 10 ms each) over the window;
 * - cluster N: N agents of one variant joined to the first, then the next
 *   variant, round after round (A B A B); per-agent RSS and CPU over the window;
 *   with `--together`, one cluster per variant running at once, measured over
 *   the same window (start order alternating by round);
 * - ready: exec to the first answered RPC `members`, variants alternating.
 *
 * Run: `deno run -A scripts/bench/footprint.ts [--idle] [--cluster=8,16,32]
 * [--ready=5] [--window=30] [--settle=10] [--rounds=1] [--variant=name=command ...]
 * [--floor=name=command ...]`: the window starts `settle` seconds after
 * convergence; a floor is a non-agent process (a bare runtime) measured idle.
 * Variants default to `serf=/usr/bin/serf` and `serfts=dist/serfts`; the
 * first is the baseline the ratios divide by. A variant command may hold
 * arguments (`--variant="deno=deno run -A cli.ts"`).
 *
 * @module
 */
import { RpcClient } from "../../lib/rpc/client.ts";
import { freePort } from "./agent_process.ts";
import { sleep } from "./stats.ts";

const root = new URL("../..", import.meta.url).pathname;

/** One program to measure: a name and the argv prefix that precedes `agent ...`. */
export interface Variant {
  name: string;
  command: string[];
  /** Not an agent (a runtime floor, say): run the command as given and do not wait for RPC. */
  raw?: boolean;
}

/**
 * RSS (MB), CPU ticks (user+system, 10 ms each, sampled by the kernel's tick)
 * and CPU ms (the scheduler's exact run time summed over live threads) over
 * the window, per agent, averaged over the agents of one run.
 */
export interface Footprint {
  rssMb: number;
  cpuTicks: number;
  cpuMs: number;
}

interface Sample {
  rssKb: number;
  cpuTicks: number;
  runNs: number;
}

interface Running {
  child: Deno.ChildProcess;
  rpc: string;
  bind: string;
  log: string;
}

let logs: string | undefined;
function logDir(): string {
  return logs ??= Deno.makeTempDirSync({ prefix: "footprint-" });
}

/** VmRSS in kB, utime+stime in ticks and run time in ns of a live process (zeros once it is gone). */
export function procStat(pid: number): Sample {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
    let runNs = 0;
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        runNs += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return { rssKb, cpuTicks: Number(stat[11]) + Number(stat[12]), runNs };
  } catch {
    return { rssKb: 0, cpuTicks: 0, runNs: 0 };
  }
}

function startAgent(v: Variant, name: string, join?: string): Running {
  const bind = `127.0.0.1:${freePort()}`;
  const rpc = `127.0.0.1:${freePort()}`;
  const [cmd, ...pre] = v.command;
  const args = v.raw ? pre : [...pre, "agent", `-node=${name}`, `-bind=${bind}`, `-rpc-addr=${rpc}`];
  if (join && !v.raw) args.push(`-join=${join}`);
  // Output goes to a file (exec keeps the pid ours to measure) so a failed start can be explained.
  const log = `${logDir()}/${name}.log`;
  const sh = `exec "$0" "$@" >${log} 2>&1`;
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", sh, cmd!, ...args],
    stdout: "null",
    stderr: "null",
    stdin: "null",
    cwd: root,
  }).spawn();
  return { child, rpc, bind, log };
}

async function stopAll(agents: Running[]): Promise<void> {
  for (const a of agents) {
    try {
      a.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await a.child.status;
  }
}

/** Polls the agent's RPC until `members` answers; resolves with the member count alive. */
async function membersAlive(rpc: string): Promise<number> {
  const c = await RpcClient.connect(rpc);
  try {
    return (await c.members()).filter((m) => m.status === "alive").length;
  } finally {
    c.close();
  }
}

async function waitAlive(rpc: string, n: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await membersAlive(rpc) >= n) return true;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return false;
}

function sample(agents: Running[]): Sample[] {
  return agents.map((a) => procStat(a.child.pid));
}

function average(before: Sample[], after: Sample[]): Footprint {
  const n = after.length;
  return {
    rssMb: after.reduce((s, x) => s + x.rssKb, 0) / n / 1024,
    cpuTicks: after.reduce((s, x, i) => s + x.cpuTicks - before[i]!.cpuTicks, 0) / n,
    cpuMs: after.reduce((s, x, i) => s + x.runNs - before[i]!.runNs, 0) / n / 1e6,
  };
}

/** One lone idle agent per variant, all started together, measured over the same window. */
export async function measureIdle(variants: Variant[], windowS: number, settleS = 10): Promise<Footprint[]> {
  const agents = variants.map((v, i) => startAgent(v, `idle${i}`));
  try {
    for (const [i, a] of agents.entries()) if (!variants[i]!.raw) await waitAlive(a.rpc, 1, 20_000);
    await sleep(settleS * 1000);
    const before = sample(agents);
    await sleep(windowS * 1000);
    const after = sample(agents);
    return after.map((x, i) => average([before[i]!], [x]));
  } finally {
    await stopAll(agents);
  }
}

/** Starts N agents of `v`, each joining the first; resolves once the first sees all N alive. */
async function startCluster(v: Variant, n: number, agents: Running[]): Promise<number> {
  const started = performance.now();
  agents.push(startAgent(v, `${v.name}0`));
  await waitAlive(agents[0]!.rpc, 1, 20_000);
  for (let i = 1; i < n; i++) agents.push(startAgent(v, `${v.name}${i}`, agents[0]!.bind));
  // A port picked free can be taken by another process before the agent binds it (the machine is
  // shared): an agent that exited is started again on new ports while we wait.
  const deadline = performance.now() + 120_000;
  while (!await waitAlive(agents[0]!.rpc, n, 5_000) && performance.now() < deadline) {
    for (let i = 1; i < n; i++) {
      const st = await Promise.race([agents[i]!.child.status, sleep(10).then(() => undefined)]);
      if (st) agents[i] = startAgent(v, `${v.name}${i}`, agents[0]!.bind);
    }
  }
  if (!await waitAlive(agents[0]!.rpc, n, 1_000)) {
    const exited: string[] = [];
    for (const [i, a] of agents.entries()) {
      const st = await Promise.race([a.child.status, sleep(10).then(() => undefined)]);
      if (st) {
        exited.push(
          `${i} (exit ${st.code}): ${Deno.readTextFileSync(a.log).trim().split("\n").slice(-3).join(" | ")}`,
        );
      }
    }
    const seen = await membersAlive(agents[0]!.rpc).catch(() => -1);
    throw new Error(
      `${v.name}: ${n} agents did not converge: the first sees ${seen}; exited: ${exited.join(", ")}`,
    );
  }
  return performance.now() - started;
}

/** N agents of one variant joined to the first; per-agent figures over the window after convergence. */
export async function measureCluster(
  v: Variant,
  n: number,
  windowS: number,
  settleS = 10,
): Promise<Footprint & { convergeMs: number }> {
  const agents: Running[] = [];
  try {
    const convergeMs = await startCluster(v, n, agents);
    await sleep(settleS * 1000);
    const before = sample(agents);
    await sleep(windowS * 1000);
    return { ...average(before, sample(agents)), convergeMs };
  } finally {
    await stopAll(agents);
  }
}

/**
 * One N-agent cluster per variant, all running at once and measured over the
 * same window: on a shared machine the others' load then hits every variant
 * alike, which back-to-back runs cannot promise.
 */
export async function measureClustersTogether(
  variants: Variant[],
  n: number,
  windowS: number,
  settleS = 10,
): Promise<(Footprint & { convergeMs: number })[]> {
  const clusters: Running[][] = variants.map(() => []);
  try {
    const converge: number[] = [];
    for (const [i, v] of variants.entries()) converge.push(await startCluster(v, n, clusters[i]!));
    await sleep(settleS * 1000);
    const before = clusters.map(sample);
    await sleep(windowS * 1000);
    return clusters.map((c, i) => ({ ...average(before[i]!, sample(c)), convergeMs: converge[i]! }));
  } finally {
    for (const c of clusters) await stopAll(c);
  }
}

/** Milliseconds from spawning a lone agent to its first answered `members`. */
export async function measureReady(v: Variant): Promise<number> {
  const started = performance.now();
  const agent = startAgent(v, `${v.name}-ready`);
  try {
    for (;;) {
      try {
        await membersAlive(agent.rpc);
        return performance.now() - started;
      } catch {
        await sleep(2);
      }
      if (performance.now() - started > 20_000) throw new Error(`${v.name}: never answered`);
    }
  } finally {
    await stopAll([agent]);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function report(title: string, variants: Variant[], rows: Footprint[][]): void {
  console.log(`\n${title} (median of ${rows.length} round(s); ratio to ${variants[0]!.name})`);
  const med = (i: number, k: keyof Footprint) => median(rows.map((r) => r[i]![k]));
  const ratio = (i: number, k: keyof Footprint) => (med(i, k) / Math.max(med(0, k), 0.1)).toFixed(2);
  variants.forEach((v, i) => {
    console.log(
      `  ${v.name.padEnd(10)} RSS ${med(i, "rssMb").toFixed(1).padStart(6)} MB (${ratio(i, "rssMb")}x)  CPU ${
        med(i, "cpuTicks").toFixed(1).padStart(6)
      } ticks (${ratio(i, "cpuTicks")}x) ${med(i, "cpuMs").toFixed(0).padStart(5)} ms (${
        ratio(i, "cpuMs")
      }x)  [${
        rows.map((r) => `${r[i]!.rssMb.toFixed(1)}/${r[i]!.cpuTicks.toFixed(1)}/${r[i]!.cpuMs.toFixed(0)}`)
          .join(" ")
      }]`,
    );
  });
}

if (import.meta.main) {
  const args = Deno.args;
  const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=").slice(1).join("=");
  let variants: Variant[] = args.filter((a) => a.startsWith("--variant=") || a.startsWith("--floor="))
    .map((a) => {
      const [name, ...cmd] = a.slice(a.indexOf("=") + 1).split("=");
      return { name: name!, command: cmd.join("=").split(" "), raw: a.startsWith("--floor=") };
    });
  if (variants.length === 0) {
    variants.push({ name: "serf", command: ["/usr/bin/serf"] }, {
      name: "serfts",
      command: [`${root}dist/serfts`],
    });
  }
  const windowS = Number(opt("window") ?? 30);
  const settleS = Number(opt("settle") ?? 10);
  const rounds = Number(opt("rounds") ?? 1);
  const clusters = (opt("cluster") ?? "").split(",").filter(Boolean).map(Number);
  const readyRuns = Number(opt("ready") ?? 0);
  console.log(`footprint: ${new Date().toISOString()}, window ${windowS} s, ${rounds} round(s)`);
  for (const v of variants) console.log(`  ${v.name}: ${v.command.join(" ")}`);

  if (args.includes("--idle")) {
    const rows: Footprint[][] = [];
    for (let r = 0; r < rounds; r++) rows.push(await measureIdle(variants, windowS, settleS));
    report(`Lone idle agent over ${windowS} s`, variants, rows);
  }
  for (const n of clusters) {
    const rows: (Footprint & { convergeMs: number })[][] = [];
    for (let r = 0; r < rounds; r++) {
      if (args.includes("--together")) {
        rows.push(
          await measureClustersTogether(r % 2 ? [...variants].reverse() : variants, n, windowS, settleS),
        );
        if (r % 2) rows[rows.length - 1]!.reverse();
        continue;
      }
      const row = [];
      for (const v of variants) row.push(await measureCluster(v, n, windowS, settleS));
      rows.push(row);
    }
    report(`${n}-agent cluster, per agent over ${windowS} s`, variants, rows);
    console.log(
      `  converge ms: ${
        variants.map((v, i) => `${v.name} ${median(rows.map((r) => r[i]!.convergeMs)).toFixed(0)}`).join(", ")
      }`,
    );
  }
  if (readyRuns > 0) {
    variants = variants.filter((v) => !v.raw);
    const times: number[][] = variants.map(() => []);
    for (let r = 0; r < readyRuns; r++) {
      for (const [i, v] of variants.entries()) times[i]!.push(await measureReady(v));
    }
    console.log(`\nStart to first answered RPC members (median of ${readyRuns})`);
    variants.forEach((v, i) =>
      console.log(
        `  ${v.name.padEnd(10)} ${median(times[i]!).toFixed(0).padStart(5)} ms (${
          (median(times[i]!) / median(times[0]!)).toFixed(2)
        }x)  [${times[i]!.map((t) => t.toFixed(0)).join(" ")}]`,
      )
    );
  }
}
