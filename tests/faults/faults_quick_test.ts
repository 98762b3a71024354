/**
 * The quick form of the fault lab (`deno task faults --quick`), as CI runs it:
 * scenarios 1, 2, 4, 5 and 6, each for the real serf and for serfts
 * (dist/serfts, built here when missing or older than the sources), in
 * network namespaces. Asserts outcomes, never timings: under a UDP block both
 * nodes stay alive and warn; a 2/3 partition is detected and heals; a crashed
 * agent rejoins from its snapshot with its tags and clocks; a stopped agent
 * comes back; and the same in mixed clusters. Needs root and nftables;
 * skipped with a message without them, except in CI.
 */
import assert from "node:assert/strict";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";
import { ensureBinary } from "../_binary.ts";

const root = new URL("../../", import.meta.url).pathname;
import { labSupport } from "../../scripts/faults/lab_network.ts";
import type { ScenarioResult } from "../../scripts/faults/scenario.ts";

const SCENARIOS = [1, 2, 4, 5, 6];

const support = await labSupport();
const serf = await Deno.stat("/usr/bin/serf").then(() => true, () => false);
const missing = !support.ok ? support.reason : serf ? "" : "/usr/bin/serf is not installed";
if (missing && !REQUIRE_REFERENCE) console.warn(`SKIPPED fault lab quick run: ${missing}`);

Deno.test({
  name: "Fault lab --quick: serf and serfts survive UDP block, partition, crash and SIGSTOP, also mixed",
  ignore: missing !== "" && !REQUIRE_REFERENCE,
  async fn() {
    if (missing) throw new Error(`The fault lab needs root, nftables and serf: ${missing}`);
    await ensureBinary();
    // A child process of its own: it removes its namespaces and agents on exit,
    // and on the SIGTERM the timeout sends.
    const lab = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${root}scripts/faults/run.ts`,
        "--quick",
        "--json",
        `--only=${SCENARIOS.join(",")}`,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(420_000),
    }).output();
    const dec = new TextDecoder();
    const progress = dec.decode(lab.stderr);
    let results: ScenarioResult[];
    try {
      results = JSON.parse(dec.decode(lab.stdout));
    } catch {
      throw new Error(`The fault lab printed no results (exit ${lab.code}):\n${progress}`);
    }
    console.log(progress);
    assert.deepEqual(results.map((r) => r.id), SCENARIOS);
    for (const result of results) {
      const labels = result.runs.map((r) => r.label).join(" ");
      for (const kind of ["serf", "serfts"]) {
        assert.match(labels, new RegExp(`\\b${kind}\\b`), `scenario ${result.id} has no ${kind} run`);
      }
      for (const run of result.runs) {
        assert.ok(run.passed, `scenario ${result.id} (${run.label}): ${run.problems.join("; ")}`);
      }
    }
    const udp = results.find((r) => r.id === 1)!;
    for (const run of udp.runs) {
      assert.equal(run.figures["both alive"], "yes");
      assert.equal(run.figures["false failures"], 0);
      assert.ok(Number(run.figures["warnings"]) > 0, `${run.label} logged no TCP-fallback warning`);
    }
    const partition = results.find((r) => r.id === 2)!;
    for (const run of partition.runs) {
      assert.notEqual(run.figures["time to detect (s)"], null, `${run.label}: partition not detected`);
      assert.notEqual(run.figures["time to all alive (s)"], null, `${run.label}: partition did not heal`);
    }
    const crash = results.find((r) => r.id === 4)!;
    for (const run of crash.runs) {
      assert.notEqual(run.figures["time to rejoin (s)"], null, `${run.label}: did not rejoin`);
      assert.equal(run.figures["tags kept"], "yes");
    }
    assert.equal(lab.code, 0, progress);
  },
});
