/**
 * Command-line options of `deno task simulate` and the scenario's timeline.
 *
 * The timeline scales with the run so one flag set (`--nodes`, `--seconds`)
 * describes a whole scenario: a staggered rollout over the first fifth of the
 * run (at most 20 s, at least 1 s), one node killed at 40% of it, a user event
 * from a random live node one second later, and optionally a partition.
 */

/** A cut of the cluster into two groups for a window of simulated time. */
export interface PartitionSpec {
  /** Share of the nodes on side A, in percent (the rest is side B). */
  percentA: number;
  /** When the cut starts and heals, in simulated seconds from the start. */
  fromS: number;
  toS: number;
}

/** A share of the nodes stopped at once and started again (memberlist#311). */
export interface RestartSpec {
  /** Share of the nodes restarted, in percent. */
  percent: number;
  /** When they stop, in simulated seconds; they come back `downS` later with the same names. */
  atS: number;
  downS: number;
}

/** A V8 heap snapshot written once, for measuring what the nodes hold (docs/simulation.md). */
export interface HeapSnapshotSpec {
  /** Where to write it (Chrome DevTools' `.heapsnapshot` format). */
  file: string;
  /** After which whole simulated second, from the start. */
  atS: number;
}

/** Everything one simulation does. */
export interface SimulateOptions {
  /** Cluster size. @default 100 */
  nodes: number;
  /** Simulated duration, seconds. @default 30 */
  seconds: number;
  /** Seed of every random choice (network loss, gossip targets, the schedule). @default 1 */
  seed: number;
  /** Packet loss probability in [0, 1] (streams are reliable). @default 0 */
  loss: number;
  /** One-way latency of every packet and stream chunk, ms. @default 1 */
  latencyMs: number;
  /** Memberlist timing profile, as the agent's `profile` key. @default "lan" */
  profile: "lan" | "wan" | "local";
  /** An optional partition. @default undefined */
  partition?: PartitionSpec;
  /** An optional mass restart. @default undefined */
  restart?: RestartSpec;
  /** Write a heap snapshot at a given second. @default undefined */
  heapSnapshot?: HeapSnapshotSpec;
  /** Write a chart of the dissemination curves here. @default undefined */
  chart?: string;
  /** End the output with one line of JSON. @default false */
  json: boolean;
  /** Seconds between two samples of the curves and queue depths. @default 0.25 */
  sampleS: number;
}

/** When each step of the scenario happens, in simulated seconds from the start. */
export interface Timeline {
  /** Joins are spread over [0, joinWindowS]. */
  joinWindowS: number;
  killS: number;
  eventS: number;
}

/** The timeline for a run of `seconds` (see the module doc). */
export function timelineFor(options: Pick<SimulateOptions, "seconds">): Timeline {
  const joinWindowS = Math.min(20, Math.max(1, options.seconds * 0.2));
  const killS = options.seconds * 0.4;
  return { joinWindowS, killS, eventS: killS + 1 };
}

/** The defaults of every option. */
export function defaultSimulateOptions(): SimulateOptions {
  return {
    nodes: 100,
    seconds: 30,
    seed: 1,
    loss: 0,
    latencyMs: 1,
    profile: "lan",
    json: false,
    sampleS: 0.25,
  };
}

export const USAGE =
  `Usage: deno task simulate --nodes N --seconds S [--seed K] [--loss P] [--latency MS] [--profile lan|wan|local]
  [--partition A/B@T1-T2] [--restart P@T+D] [--chart FILE.svg] [--json] [--sample SECONDS]
  [--heap-snapshot FILE@T]
  --partition 30/70@12-20  cuts 30% of the nodes from the other 70% from second 12 to second 20
  --restart 30@15+5        stops 30% of the nodes at second 15 and starts them again 5 s later
  --heap-snapshot h@15     writes a V8 heap snapshot of the whole run to the file h after second 15`;

const VALUE_FLAGS = new Set([
  "--nodes",
  "--seconds",
  "--seed",
  "--loss",
  "--latency",
  "--profile",
  "--partition",
  "--restart",
  "--chart",
  "--sample",
  "--heap-snapshot",
]);

/**
 * Parses `args` (`--flag value` or `--flag=value`).
 * @throws {TypeError} on an unknown flag or a bad value, with the usage
 */
export function parseSimulateOptions(args: string[]): SimulateOptions {
  const o = defaultSimulateOptions();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === "--json") {
      o.json = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) throw new TypeError(`Cannot parse arguments: unknown flag ${flag}\n${USAGE}`);
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new TypeError(`Cannot parse ${flag}: a value is missing\n${USAGE}`);
    switch (flag) {
      case "--nodes":
        o.nodes = integer(flag, value, 1);
        break;
      case "--seconds":
        o.seconds = number(flag, value, 1);
        break;
      case "--seed":
        o.seed = integer(flag, value, 0);
        break;
      case "--loss":
        o.loss = number(flag, value, 0);
        if (o.loss > 1) {
          throw new TypeError(`Cannot use --loss: must be at most 1: current value is ${value}`);
        }
        break;
      case "--latency":
        o.latencyMs = number(flag, value, 0);
        break;
      case "--profile":
        if (value !== "lan" && value !== "wan" && value !== "local") {
          throw new TypeError(`Cannot use --profile: must be lan, wan or local: current value is ${value}`);
        }
        o.profile = value;
        break;
      case "--partition":
        o.partition = parsePartition(value);
        break;
      case "--restart":
        o.restart = parseRestart(value);
        break;
      case "--chart":
        o.chart = value;
        break;
      case "--sample":
        o.sampleS = number(flag, value, 0.01);
        break;
      case "--heap-snapshot":
        o.heapSnapshot = parseHeapSnapshot(value);
        break;
      default:
        throw new TypeError(`Cannot parse arguments: unknown flag ${flag}\n${USAGE}`);
    }
  }
  return o;
}

/** `A/B@T1-T2`, e.g. `30/70@12-20`; A and B are percentages summing to 100. */
export function parsePartition(text: string): PartitionSpec {
  const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)@(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(text);
  const [a, b, from, to] = (m ?? []).slice(1).map(Number);
  if (!m || Math.abs(a! + b! - 100) > 1e-9 || !(a! > 0 && b! > 0) || !(to! > from!)) {
    throw new TypeError(
      `Cannot use --partition: expected A/B@T1-T2 with A+B=100 and T1<T2 (e.g. 30/70@12-20): current value is ${text}`,
    );
  }
  return { percentA: a!, fromS: from!, toS: to! };
}

/** `FILE@T`, e.g. `/tmp/h.heapsnapshot@15`: the last `@` separates the whole second from the file. */
export function parseHeapSnapshot(text: string): HeapSnapshotSpec {
  const at = text.lastIndexOf("@");
  const atS = Number(text.slice(at + 1));
  if (at < 1 || !/^\d+$/.test(text.slice(at + 1)) || atS < 1) {
    throw new TypeError(
      `Cannot use --heap-snapshot: expected FILE@T with T a whole second of at least 1 (e.g. h.heapsnapshot@15): current value is ${text}`,
    );
  }
  return { file: text.slice(0, at), atS };
}

/** `P@T+D`, e.g. `30@15+5`. */
export function parseRestart(text: string): RestartSpec {
  const m = /^(\d+(?:\.\d+)?)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$/.exec(text);
  const [percent, at, down] = (m ?? []).slice(1).map(Number);
  if (!m || !(percent! > 0 && percent! < 100)) {
    throw new TypeError(
      `Cannot use --restart: expected P@T+D with 0<P<100 (e.g. 30@15+5): current value is ${text}`,
    );
  }
  return { percent: percent!, atS: at!, downS: down! };
}

function number(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min) {
    throw new TypeError(`Cannot use ${flag}: must be a number of at least ${min}: current value is ${value}`);
  }
  return n;
}

function integer(flag: string, value: string, min: number): number {
  const n = number(flag, value, min);
  if (!Number.isInteger(n)) {
    throw new TypeError(`Cannot use ${flag}: must be an integer: current value is ${value}`);
  }
  return n;
}
