/**
 * Precision of `rtt`: a two-node serf cluster and a two-node serfts cluster
 * run side by side on loopback for `settleMs`; then each kind's own CLI
 * (`serf rtt a b`, `serfts rtt a b`) gives its Vivaldi estimate, sampled a few
 * times a second apart (median), next to the ICMP round trip of
 * `ping -c 40 -i 0.05 127.0.0.1` (average) taken in the same moment.
 */
import { type BenchAgent, startReady } from "./agent_process.ts";
import { commandLine, type Kind, type Runner } from "./kinds.ts";
import { median, sleep } from "./stats.ts";

/** One round: estimates in ms per kind and the ping average. */
export interface RttSample {
  estimateMs: Record<Kind, number>;
  pingMs: number;
}

async function run(program: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(program, {
      args,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).output();
    return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  } catch (err) {
    return String(err);
  }
}

/** Average round trip of ICMP ping to 127.0.0.1 in ms, or NaN. */
export async function pingMs(): Promise<number> {
  const out = await run("ping", ["-c", "40", "-i", "0.05", "-q", "127.0.0.1"]);
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  return m ? Number(m[1]) : NaN;
}

async function estimate(runner: Runner, a: BenchAgent, b: BenchAgent): Promise<number> {
  const [program, args] = commandLine(runner, ["rtt", `-rpc-addr=${a.rpcAddr}`, a.name, b.name]);
  const m = /rtt: ([\d.]+) ms/.exec(await run(program, args));
  return m ? Number(m[1]) : NaN;
}

/** One round as described in the module doc. */
export async function measureRtt(runners: Runner[], settleMs: number, samples: number): Promise<RttSample> {
  const estimateMs: Record<Kind, number> = { serf: NaN, serfts: NaN };
  const pairs: { runner: Runner; a: BenchAgent; b: BenchAgent }[] = [];
  const started = await Promise.all(
    runners.flatMap((r) => [startReady(r, `rtt-${r.kind}-a`), startReady(r, `rtt-${r.kind}-b`)]),
  );
  try {
    runners.forEach((runner, i) => {
      const a = started[2 * i]?.agent;
      const b = started[2 * i + 1]?.agent;
      if (a && b) pairs.push({ runner, a, b });
    });
    await Promise.all(pairs.map(async (p) => (await p.b.client()).join([`127.0.0.1:${p.a.bindPort}`])));
    await sleep(settleMs);
    const ping = pingMs();
    const seen: Record<Kind, number[]> = { serf: [], serfts: [] };
    for (let i = 0; i < samples; i++) {
      if (i > 0) await sleep(1_000);
      for (const p of pairs) seen[p.runner.kind].push(await estimate(p.runner, p.a, p.b));
    }
    for (const p of pairs) estimateMs[p.runner.kind] = median(seen[p.runner.kind]);
    return { estimateMs, pingMs: await ping };
  } finally {
    await Promise.all(started.map((s) => s?.agent.stop()));
  }
}
