/**
 * `deno task fuzz`: property-based fuzzing of every decoder and receive path
 * (see targets.ts), 100,000 cases by default, split across targets by weight.
 * Prints the cases per target and each failure with the seed and path that
 * replay it; exits 1 when anything failed.
 *
 * Run: `deno task fuzz [--cases=N] [--seed=S] [--only=TARGET] [--property=NAME --path=P]`
 * or `deno task fuzz --live [live.ts options]` for the live fuzz of a running agent.
 *
 * @module
 */
import { ALL_TARGETS } from "./targets.ts";
import { describeFailure, type PropertyOutcome, runTarget } from "./target.ts";

/** Options of a run, from the command line. */
export interface FuzzRunOptions {
  /** Cases over all targets. @default {100000} */
  cases: number;
  /** Base seed; each property derives its own from it. @default the current time */
  seed: number;
  /** Only targets whose name contains this. */
  only?: string;
  /** Replay one property (by name) at `seed` along `path`. */
  property?: string;
  path?: string;
}

function parseArgs(args: string[]): FuzzRunOptions {
  const opts: FuzzRunOptions = { cases: 100_000, seed: Date.now() | 0 };
  for (const arg of args) {
    const [key, value = ""] = arg.replace(/^--?/, "").split(/=(.*)/s);
    if (key === "cases") opts.cases = Number(value);
    else if (key === "seed") opts.seed = Number(value);
    else if (key === "only") opts.only = value;
    else if (key === "property") opts.property = value;
    else if (key === "path") opts.path = value;
    else {throw new Error(
        `Unknown option --${key}: use --cases, --seed, --only, --property, --path or --live`,
      );}
  }
  if (!Number.isSafeInteger(opts.cases) || opts.cases < 1) {
    throw new Error(`Cannot fuzz: --cases must be a positive integer: current value is ${opts.cases}`);
  }
  return opts;
}

async function main(args: string[]): Promise<number> {
  if (args.includes("--live")) {
    const { runLiveFuzz } = await import("./live.ts");
    return await runLiveFuzz(args.filter((a) => a !== "--live"));
  }
  const opts = parseArgs(args);
  const targets = ALL_TARGETS.filter((t) => !opts.only || t.name.includes(opts.only));
  const totalWeight = targets.reduce((n, t) => n + t.weight, 0);
  console.log(`fuzz: ${opts.cases} cases over ${targets.length} targets, seed ${opts.seed}`);
  const outcomes: PropertyOutcome[] = [];
  const started = performance.now();
  for (const target of targets) {
    const t0 = performance.now();
    const share = Math.max(1, Math.round(opts.cases * target.weight / totalWeight));
    const replay = opts.property ? { property: opts.property, path: opts.path } : undefined;
    const results = await runTarget(target, share, opts.seed, replay);
    outcomes.push(...results);
    const runs = results.reduce((n, r) => n + r.runs, 0);
    const failed = results.filter((r) => r.failure).length;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`  ${target.name.padEnd(28)} ${String(runs).padStart(7)} cases  ${failed} failed  ${secs}s`);
  }
  const failures = outcomes.filter((o) => o.failure);
  const total = outcomes.reduce((n, o) => n + o.runs, 0);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz: ${total} cases, ${failures.length} failing properties, ${secs}s`);
  for (const f of failures) console.log(describeFailure(f));
  return failures.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
