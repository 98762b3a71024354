/**
 * Command-line options of `deno task bench` and the two configurations: the
 * default (about 20 minutes on a 2-core machine) and `--quick` (about a
 * minute: one round, 3-agent clusters, short windows; for CI and for trying
 * changes). Explicit flags override either.
 */

/** Everything a run does. */
export interface BenchConfig {
  quick: boolean;
  /** serfts as `dist/serfts` ("binary") or under `deno run cli.ts` ("deno"). @default {"binary"} */
  serfts: "binary" | "deno";
  /** Interleaved rounds of every cluster measurement. @default {3} (quick: 1) */
  rounds: number;
  /** Cluster sizes. @default {[8, 16, 32]} (quick: [3]) */
  sizes: number[];
  /** Steady-state window for bytes and CPU in a cluster, ms. @default {10000} (quick: 2000) */
  steadyMs: number;
  /** User events and queries per cluster run. @default {3} (quick: 1) */
  events: number;
  /** Lone idle agents of each kind measured together. @default {3} (quick: 1) */
  idleAgents: number;
  /** Idle window, ms. @default {30000} (quick: 3000) */
  idleMs: number;
  /** Start-to-ready repetitions per kind. @default {5} (quick: 1) */
  startups: number;
  /** rtt rounds, and how long each pair runs before asking. @default {2, 40000} (quick: 1, 4000) */
  rttRounds: number;
  rttSettleMs: number;
  /** RPC bench (scripts/bench/rpc.ts): rounds, pipelined events, members listed. @default {3, 5000, 200} */
  rpcRounds: number;
  rpcEvents: number;
  rpcMembers: number;
  /** Markdown report path. @default {"docs/benchmarks.md"} (quick: a temporary file) */
  out: string;
  /** Also write the raw results as JSON here. @default {undefined} */
  json?: string;
  /** Measure nothing: write the report from the JSON of an earlier run. @default {undefined} */
  fromJson?: string;
}

const USAGE = `Usage: deno task bench [--quick] [--serfts=binary|deno] [--rounds=N] [--sizes=8,16,32]
  [--steady=SECONDS] [--idle=SECONDS] [--rtt-settle=SECONDS] [--out=PATH] [--json=PATH]
  [--from-json=PATH (only rewrite the report from an earlier run's --json)]`;

/**
 * Parses `args` into a configuration.
 * @throws {TypeError} on an unknown flag or a bad value, with the usage
 */
export function parseOptions(args: string[], root: string): BenchConfig {
  const quick = args.includes("--quick");
  const config: BenchConfig = quick
    ? {
      quick,
      serfts: "binary",
      rounds: 1,
      sizes: [3],
      steadyMs: 2_000,
      events: 1,
      idleAgents: 1,
      idleMs: 3_000,
      startups: 1,
      rttRounds: 1,
      rttSettleMs: 4_000,
      rpcRounds: 1,
      rpcEvents: 200,
      rpcMembers: 6,
      out: `${Deno.env.get("TMPDIR") ?? "/tmp"}/serfts-bench-quick.md`,
    }
    : {
      quick,
      serfts: "binary",
      rounds: 3,
      sizes: [8, 16, 32],
      steadyMs: 10_000,
      events: 3,
      idleAgents: 3,
      idleMs: 30_000,
      startups: 5,
      rttRounds: 2,
      rttSettleMs: 40_000,
      rpcRounds: 3,
      rpcEvents: 5_000,
      rpcMembers: 200,
      out: `${root}docs/benchmarks.md`,
    };
  for (const arg of args) {
    const [flag, value = ""] = arg.split(/=(.*)/s);
    const seconds = () => positive(flag!, value) * 1000;
    switch (flag) {
      case "--quick":
        break;
      case "--serfts":
        if (value !== "binary" && value !== "deno") {
          throw new TypeError(`Invalid --serfts: ${value}\n${USAGE}`);
        }
        config.serfts = value;
        break;
      case "--rounds":
        config.rounds = positive(flag, value);
        break;
      case "--sizes":
        config.sizes = value.split(",").map((v) => positive(flag, v));
        break;
      case "--steady":
        config.steadyMs = seconds();
        break;
      case "--idle":
        config.idleMs = seconds();
        break;
      case "--rtt-settle":
        config.rttSettleMs = seconds();
        break;
      case "--out":
        config.out = value;
        break;
      case "--json":
        config.json = value;
        break;
      case "--from-json":
        config.fromJson = value;
        break;
      default:
        throw new TypeError(`Unknown option: ${arg}\n${USAGE}`);
    }
  }
  return config;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TypeError(`Cannot use ${flag} as it must be a positive integer: current value is '${value}'`);
  }
  return n;
}
