/**
 * Command-line options of `deno task faults` and the durations of a full and
 * a quick run.
 */

/** How long each fault lasts and how long the lab waits for an outcome. */
export interface LabDurations {
  /** Scenario 1: how long UDP stays blocked. */
  udpBlockMs: number;
  /** Scenarios 2 and 5: longest wait for a fault to be detected. */
  detectMaxMs: number;
  /** Scenarios 2, 4 and 5: longest wait for every member to be alive again. */
  healMaxMs: number;
  /** Scenario 3: how long each loss rate lasts. */
  lossMs: number;
  /** Scenario 3: loss rates, in percent each way. */
  lossRates: number[];
  /** Scenario 7: how long the churn runs. */
  churnMs: number;
  /** Scenario 7: pause between a converged step and the next kill. */
  churnPauseMs: number;
  /** Scenario 7: number of agents. */
  churnAgents: number;
  /**
   * Scenario 7: longest wait for a step to converge. A serf agent restarted
   * without its last members on disk learns them only from a push/pull someone
   * else starts (one of nine peers picking it, every 30 s): steps near 2
   * minutes were seen.
   */
  churnStepMaxMs: number;
}

/**
 * The full lab. Heal waits cover Serf's 30 s reconnect interval twice over;
 * detection waits cover Lifeguard's longest suspicion timeout (6x the 4 s
 * base) plus a probe round, with margin for a loaded machine.
 */
export function fullDurations(): LabDurations {
  return {
    udpBlockMs: 60_000,
    detectMaxMs: 60_000,
    healMaxMs: 120_000,
    lossMs: 120_000,
    lossRates: [20, 40],
    churnMs: 600_000,
    churnPauseMs: 3_000,
    churnAgents: 10,
    churnStepMaxMs: 240_000,
  };
}

/** What CI runs: short faults, the same bounds on waits (a loaded runner still has to pass). */
export function quickDurations(): LabDurations {
  return {
    ...fullDurations(),
    udpBlockMs: 12_000,
    lossMs: 20_000,
    lossRates: [20],
    churnMs: 45_000,
    churnPauseMs: 1_000,
    churnAgents: 6,
  };
}

/** Parsed command line. */
export interface LabOptions {
  quick: boolean;
  /** Scenario numbers to run. @default all */
  only: number[] | undefined;
  /** Print the results as JSON on stdout instead of tables. */
  json: boolean;
  /** Write the "## Fault lab" section of docs/reliability.md. @default true for a full run of every scenario */
  writeDoc: boolean;
}

/** Parses `--quick`, `--only N[,M]`, `--json`, `--no-doc`; throws a TypeError naming a bad flag. */
export function parseLabOptions(args: string[]): LabOptions {
  let quick = false;
  let json = false;
  let noDoc = false;
  let only: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--json") json = true;
    else if (arg === "--no-doc") noDoc = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? args[++i] : arg.slice("--only=".length);
      only = (value ?? "").split(",").map(Number);
      if (only.length === 0 || only.some((n) => !Number.isInteger(n) || n < 1 || n > 7)) {
        throw new TypeError(
          `Cannot parse --only: expected scenario numbers 1-7 separated by commas: ${value}`,
        );
      }
    } else {
      throw new TypeError(`Unknown option: ${arg} (options: --quick, --only N[,M], --json, --no-doc)`);
    }
  }
  return { quick, only, json, writeDoc: !quick && only === undefined && !noDoc };
}
