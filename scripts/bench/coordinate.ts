/**
 * Side-by-side benchmark of serfts's CoordinateClient and Serf 0.9.4's Go
 * coordinate package on the same latency matrices:
 * - speed: Vivaldi updates per second over a full simulation (phantom.go's
 *   loop: every node observes one random peer per cycle);
 * - accuracy: median (and mean, max) relative error of the estimates over all
 *   node pairs at the end.
 * Each matrix is written to a temporary JSON file that the Go side
 * (scripts/bench/coordinate_go) reads, so both see identical round trips.
 * Figures are medians over several repetitions with different seeds; compare
 * the ratios, since the machines are shared and noisy.
 *
 * Run: `deno run --allow-all scripts/bench/coordinate.ts [nodes] [cycles] [reps]`
 * (needs Go and the Debian serf sources for the Go column).
 */

import type { CoordinateClient } from "../../lib/coordinate/client.ts";
import { generateClients, generateRandom, type TruthMatrix } from "../../lib/coordinate/phantom.ts";
import { type Random, randomInt, SeededRandom } from "../../lib/util/random.ts";

const NODES = Number(Deno.args[0] ?? 50);
const CYCLES = Number(Deno.args[1] ?? 1000);
const REPS = Number(Deno.args[2] ?? 5);
const SEED = 1;
const here = new URL(".", import.meta.url).pathname;

interface Result {
  updatesPerSecond: number;
  medianRelativeError: number;
  errorAvg: number;
  errorMax: number;
}

function median(values: number[]): number {
  return values.slice().sort((a, b) => a - b)[values.length >> 1]!;
}

/**
 * Points in a 3-D box (up to 100 ms across) plus a per-node access delay and
 * ±5% symmetric noise: close to what Vivaldi is designed for, unlike the
 * purely random matrix.
 */
function generateGeographic(nodes: number, rng: Random): TruthMatrix {
  const points = Array.from({ length: nodes }, () => [0, 1, 2].map(() => rng.next() * 60));
  const access = points.map(() => 0.5 + rng.next() * 4.5);
  const truth = points.map(() => new Array<number>(nodes).fill(0));
  for (let i = 0; i < nodes; i++) {
    for (let j = i + 1; j < nodes; j++) {
      const d = Math.hypot(...points[i]!.map((x, k) => x - points[j]![k]!));
      const rtt = (d + access[i]! + access[j]!) * (0.95 + 0.1 * rng.next());
      truth[i]![j] = rtt;
      truth[j]![i] = rtt;
    }
  }
  return truth;
}

function relativeErrors(clients: CoordinateClient[], truth: TruthMatrix): number[] {
  const errors: number[] = [];
  for (let i = 0; i < clients.length; i++) {
    for (let j = i + 1; j < clients.length; j++) {
      const actual = truth[i]![j]!;
      errors.push(Math.abs(clients[i]!.distanceTo(clients[j]!.getCoordinate()) - actual) / actual);
    }
  }
  return errors;
}

/** phantom.ts's simulate loop, counting the updates as the Go side does. */
function simulateCounting(clients: CoordinateClient[], truth: TruthMatrix, rng: Random): number {
  let updates = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    for (let i = 0; i < clients.length; i++) {
      const j = randomInt(rng, clients.length);
      if (j === i) continue;
      clients[i]!.update(`node_${j}`, clients[j]!.getCoordinate(), truth[i]![j]!);
      updates++;
    }
  }
  return updates;
}

function runOurs(truth: TruthMatrix): Result {
  const rates: number[] = [], medians: number[] = [], avgs: number[] = [], maxes: number[] = [];
  for (let rep = -1; rep < REPS; rep++) { // rep -1 warms up the JIT and is not counted
    const rng = new SeededRandom(SEED + Math.max(rep, 0));
    const clients = generateClients(truth.length, {}, rng);
    const start = performance.now();
    const updates = simulateCounting(clients, truth, rng);
    const seconds = (performance.now() - start) / 1000;
    if (rep < 0) continue;
    const errors = relativeErrors(clients, truth);
    rates.push(updates / seconds);
    medians.push(median(errors));
    avgs.push(errors.reduce((a, b) => a + b, 0) / errors.length);
    maxes.push(Math.max(...errors));
  }
  return {
    updatesPerSecond: median(rates),
    medianRelativeError: median(medians),
    errorAvg: median(avgs),
    errorMax: median(maxes),
  };
}

async function buildGo(dir: string): Promise<string | undefined> {
  const binary = `${dir}/coordbench`;
  const out = await new Deno.Command("go", {
    args: ["build", "-o", binary, "."],
    cwd: `${here}coordinate_go`,
    env: { GO111MODULE: "off", GOPATH: "/usr/share/gocode", GOPROXY: "off" },
    stdout: "piped",
    stderr: "piped",
  }).output().catch(() => undefined);
  if (!out?.success) {
    console.error(`Go side unavailable: ${out ? new TextDecoder().decode(out.stderr) : "go not found"}`);
    return undefined;
  }
  return binary;
}

async function runGo(binary: string, truth: TruthMatrix, dir: string): Promise<Result> {
  const file = await Deno.makeTempFile({ dir, suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify({ truthMs: truth }));
  const out = await new Deno.Command(binary, {
    args: ["bench", file, String(CYCLES), String(SEED), String(REPS)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`Cannot run the Go benchmark: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function row(label: string, ours: number, go: number | undefined, digits: number): string {
  const fmt = (x: number) => x >= 1000 ? Math.round(x).toLocaleString("en-US") : x.toFixed(digits);
  const ratio = go === undefined ? "" : (ours / go).toFixed(2);
  return `  ${label.padEnd(24)}${fmt(ours).padStart(12)}${(go === undefined ? "-" : fmt(go)).padStart(12)}${
    ratio.padStart(10)
  }`;
}

const dir = await Deno.makeTempDir({ prefix: "serfts-coord-bench-" });
try {
  const binary = await buildGo(dir);
  const matrices: [string, TruthMatrix][] = [
    ["random (normal 100±10 ms)", generateRandom(NODES, 100, 10, new SeededRandom(42))],
    ["geographic (3-D + access)", generateGeographic(NODES, new SeededRandom(42))],
  ];
  console.log(`Vivaldi: ${NODES} nodes, ${CYCLES} cycles, median of ${REPS} runs`);
  for (const [name, truth] of matrices) {
    const ours = runOurs(truth);
    const go = binary ? await runGo(binary, truth, dir) : undefined;
    console.log(`\n${name}`);
    console.log(
      `  ${"".padEnd(24)}${"serfts".padStart(12)}${"serf (Go)".padStart(12)}${"ratio".padStart(10)}`,
    );
    console.log(row("updates/second", ours.updatesPerSecond, go?.updatesPerSecond, 0));
    console.log(row("median relative error", ours.medianRelativeError, go?.medianRelativeError, 4));
    console.log(row("mean relative error", ours.errorAvg, go?.errorAvg, 4));
    console.log(row("max relative error", ours.errorMax, go?.errorMax, 4));
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
