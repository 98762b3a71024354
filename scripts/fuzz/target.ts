/**
 * What a fuzz target is and how one is run. A target names one decoder (or one
 * receive path) and builds fast-check properties for it: hostile input only
 * ever yields a value or the decoder's documented error, and valid values
 * survive a round trip. The CI test runs a few cases of each; `deno task fuzz`
 * runs 100,000 in all and reports every failure with the seed and path that
 * replays it.
 *
 * @module
 */
import fc from "fast-check";
import { DecodeError } from "../../lib/util/errors.ts";

/** A property of one target; sync for pure decoders, async for receive paths. */
export type FuzzProperty = fc.IRawProperty<unknown, boolean>;

/** One decoder or receive path under fuzz. */
export interface FuzzTarget {
  /** `area/decoder`, e.g. `memberlist/packet`; `--only` matches on it. */
  name: string;
  /** Share of a run's cases relative to the other targets (receive paths are slower, so fewer). */
  weight: number;
  /** The properties; each gets an equal share of the target's cases. */
  properties: Record<string, () => FuzzProperty>;
  /** Closes anything the properties opened (clusters, timers); called once after the target ran. */
  dispose?: () => Promise<void> | void;
}

/** Outcome of one property. */
export interface PropertyOutcome {
  target: string;
  property: string;
  runs: number;
  /** Set when the property failed: what, and how to replay it. */
  failure?: { message: string; seed: number; path: string; counterexample: string };
}

/**
 * Runs `fn` on hostile input: returning is fine, throwing an error `allowed`
 * accepts is fine, anything else is rethrown for fast-check to report.
 * @param allowed the decoder's documented error; `DecodeError` by default
 */
export function onlyTypedErrors(
  fn: () => unknown,
  allowed: (err: unknown) => boolean = (err) => err instanceof DecodeError,
): void {
  try {
    fn();
  } catch (err) {
    if (allowed(err)) return;
    throw err;
  }
}

/** Async {@linkcode onlyTypedErrors}. */
export async function onlyTypedErrorsAsync(
  fn: () => Promise<unknown>,
  allowed: (err: unknown) => boolean = (err) => err instanceof DecodeError,
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (allowed(err)) return;
    throw err;
  }
}

/** A failure to replay: one property, at the seed it reported, along its path. */
export interface Replay {
  property: string;
  path?: string;
}

/**
 * Runs every property of `target` with `runs` cases in all; each property
 * derives its seed from `seed`, or, when replaying, takes `seed` as it is.
 */
export async function runTarget(
  target: FuzzTarget,
  runs: number,
  seed: number,
  replay?: Replay,
): Promise<PropertyOutcome[]> {
  const names = Object.keys(target.properties).filter((n) => !replay || n === replay.property);
  const each = Math.max(1, Math.round(runs / Math.max(1, names.length)));
  const outcomes: PropertyOutcome[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const propertySeed = replay ? seed : (seed + i * 7919) | 0;
      const details = await fc.check(target.properties[name]!(), {
        numRuns: each,
        seed: propertySeed,
        ...(replay?.path ? { path: replay.path } : {}),
      });
      const outcome: PropertyOutcome = { target: target.name, property: name, runs: details.numRuns };
      if (details.failed) {
        outcome.failure = {
          message: details.errorInstance instanceof Error
            ? `${details.errorInstance.name}: ${details.errorInstance.message}`
            : String(details.errorInstance),
          seed: details.seed,
          path: details.counterexamplePath ?? "",
          counterexample: fc.stringify(details.counterexample),
        };
      }
      outcomes.push(outcome);
    }
  } finally {
    await target.dispose?.();
  }
  return outcomes;
}

/** One line per failure, with what replays it. */
export function describeFailure(o: PropertyOutcome): string {
  const f = o.failure!;
  return `${o.target} › ${o.property}: ${f.message}\n  replay: deno task fuzz --only=${o.target} ` +
    `--property=${JSON.stringify(o.property)} --seed=${f.seed} --path=${f.path}\n` +
    `  counterexample: ${f.counterexample.slice(0, 400)}`;
}
