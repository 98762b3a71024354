/**
 * `deno task bench`: serfts against the real HashiCorp Serf on loopback, real
 * processes, the kinds interleaved round by round; medians and serfts/serf
 * ratios written to docs/benchmarks.md with SVG charts, and the headline table
 * printed for README.md. See docs/benchmarks.md for how each number is taken.
 *
 * Run: `deno task bench [--quick] [--serfts=binary|deno] [--rounds=N]
 * [--sizes=8,16,32] [--steady=S] [--idle=S] [--rtt-settle=S] [--out=PATH] [--json=PATH]
 * [--from-json=PATH]`; `--from-json` rewrites the report from an earlier `--json` without measuring.
 * `--quick` (one round, 3-agent clusters, short windows, report to a temporary
 * file) takes about a minute; the default about 20 minutes on 2 cores.
 *
 * @module
 */
import { BenchAgent } from "./agent_process.ts";
import { measureCluster, unmeasuredCluster } from "./cluster.ts";
import { measureIdle } from "./idle.ts";
import { repoRoot, type Runner, serfRunner, serftsRunner } from "./kinds.ts";
import { describeMachine, versionOf } from "./machine.ts";
import { type BenchConfig, parseOptions } from "./options.ts";
import { writeReport } from "./report.ts";
import type { BenchResults } from "./results.ts";
import { benchRpc } from "./rpc.ts";
import { measureRtt } from "./rtt.ts";
import { ensureSerf } from "./serf_install.ts";
import { fmt } from "./stats.ts";
import { measureStartup } from "./startup.ts";
import { deleteTrafficTable, trafficTableName } from "./traffic.ts";

async function runAll(config: BenchConfig, serf: Runner, serfts: Runner): Promise<BenchResults> {
  const started = performance.now();
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: describeMachine(),
    config,
    versions: {
      serf: await versionOf(serf.program, [...serf.prefix, "version"]),
      serfts: await versionOf(serfts.program, [...serfts.prefix, "version"]),
      serftsRunner: serfts.label,
      commit: await versionOf("git", ["-C", repoRoot(), "describe", "--always", "--dirty"]),
    },
    clusters: [],
    idle: [],
    startup: { serf: [], serfts: [] },
    rtt: [],
    durationS: 0,
  };
  const say = (line: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${line}`);

  say(`bytes are counted in nftables table inet ${trafficTableName()} (deleted after each cluster)`);
  say(`idle: ${config.idleAgents} lone agent(s) of each kind for ${config.idleMs / 1000} s`);
  results.idle = await measureIdle([serf, serfts], config.idleAgents, config.idleMs).catch((err) => {
    say(`idle measurement failed: ${err instanceof Error ? err.message : err}`);
    return [];
  });
  say(`start-to-ready: ${config.startups} start(s) of each kind`);
  results.startup = await measureStartup([serf, serfts], config.startups).catch((err) => {
    say(`start-to-ready failed: ${err instanceof Error ? err.message : err}`);
    return { serf: [], serfts: [] };
  });

  const plan = { steadyMs: config.steadyMs, events: config.events, queries: config.events };
  for (let round = 1; round <= config.rounds; round++) {
    for (const size of config.sizes) {
      const order: [BenchResults["clusters"][number]["kind"], Runner[]][] = round % 2
        ? [["serf", [serf]], ["serfts", [serfts]]]
        : [["serfts", [serfts]], ["serf", [serf]]];
      order.push(["mixed", [serf, serfts]]);
      for (const [kind, runners] of order) {
        const m = await measureCluster(runners, size, plan).catch((err) => {
          say(`cluster run failed: ${err instanceof Error ? err.message : err}`);
          return unmeasuredCluster();
        });
        results.clusters.push({ kind, size, round, m });
        say(
          `round ${round} ${kind} x${size}: converge ${fmt(m.convergeMs)} ms, event ${fmt(m.eventMs)} ms, ` +
            `query ${fmt(m.queryMs)} ms, failure ${fmt(m.failureMs)} ms, ${
              fmt(m.bytesPerAgentPerSec)
            } B/s, ` +
            `CPU ${fmt(m.cpuPercentPerAgent, 2)}%, RSS ${fmt(m.rssMbPerAgent, 1)} MB per agent`,
        );
      }
    }
  }

  for (let round = 1; round <= config.rttRounds; round++) {
    say(`rtt round ${round}: two pairs for ${config.rttSettleMs / 1000} s`);
    try {
      results.rtt.push(await measureRtt([serf, serfts], config.rttSettleMs, config.quick ? 1 : 3));
    } catch (err) {
      say(`rtt round failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  say("rpc: scripts/bench/rpc.ts");
  try {
    results.rpc = await benchRpc({
      rounds: config.rpcRounds,
      events: config.rpcEvents,
      memberCount: config.rpcMembers,
      serfBin: serf.program,
      serftsBin: config.serfts === "binary" ? serfts.program : null,
      includeDeno: config.serfts === "deno",
      log: (line) => say(line.trim()),
    });
  } catch (err) {
    results.rpcError = err instanceof Error ? err.message.split("\n")[0] : String(err);
    say(`rpc bench failed: ${results.rpcError}`);
  }
  results.durationS = (performance.now() - started) / 1000;
  return results;
}

if (import.meta.main) {
  let config: BenchConfig;
  try {
    config = parseOptions(Deno.args, repoRoot());
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  if (config.fromJson) {
    // NaN was written as null; the report treats both as "n/a".
    const earlier: BenchResults = JSON.parse(await Deno.readTextFile(config.fromJson));
    earlier.config.out = config.out;
    console.log(await writeReport(earlier));
    Deno.exit(0);
  }
  let serfPath: string;
  try {
    serfPath = await ensureSerf();
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    Deno.exit(1);
  }
  const serfts = await serftsRunner(config.serfts);
  const interrupted = async () => {
    console.error("bench: interrupted; stopping agents");
    await BenchAgent.stopAll();
    await deleteTrafficTable();
    await serfts.cleanup?.();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);

  let results: BenchResults;
  try {
    results = await runAll(config, serfRunner(serfPath), serfts);
  } finally {
    await BenchAgent.stopAll(); // none should be left; a safety net so the run can always exit
    await serfts.cleanup?.();
  }
  if (config.json) await Deno.writeTextFile(config.json, JSON.stringify(results, null, 2) + "\n");
  const headline = await writeReport(results);
  console.log(`\nWrote ${config.out} (${Math.round(results.durationS)} s). Headline (for README.md):\n`);
  console.log(headline);
  Deno.removeSignalListener("SIGINT", interrupted);
  Deno.removeSignalListener("SIGTERM", interrupted);
}
