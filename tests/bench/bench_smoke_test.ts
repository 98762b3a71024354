/**
 * `deno task bench --quick` runs end to end against the real serf (one round,
 * 3-agent clusters) and writes a well-formed report: the headline table has
 * every row, numbers where a measurement must have happened, ratios in the
 * ratio columns, and its nftables table is gone afterwards. Timings are not
 * checked: CI machines are shared.
 */
import assert from "node:assert/strict";
import { findSerf } from "../interop/_serf.ts";
import { TABLE_HEADER } from "../../scripts/bench/report.ts";

const root = new URL("../..", import.meta.url).pathname;
const serf = findSerf();
if (!serf) console.log("bench smoke test ignored: serf is not installed (apt-get install -y serf)");

const NUMBER = /^\d+(\.\d+)?$/;
const RATIO = /^(\d+\.\d\dx|n\/a)$/;

/** Rows that must carry a serf and a serfts number, by the start of their label. */
const MEASURED = [
  "join convergence, 3 agents",
  "failure detection after SIGKILL, 3 agents",
  "user event to every handler, 3 agents",
  "query, all responses, 3 agents",
  "CPU per agent (steady), 3 agents",
  "RSS per agent, 3 agents",
  "lone idle agent, RSS",
  "lone idle agent, CPU over",
  "exec to first answered RPC members",
  "rtt estimate between two nodes",
];
/** Rows that may say n/a (nftables or the RPC helper may be unavailable), but must be there. */
const PRESENT = [
  "bytes sent per agent per s, 3 agents",
  "user events pipelined on one RPC connection",
  "x members (",
  "rtt estimate, distance from ping",
];

Deno.test({
  name: "Bench: --quick writes a well-formed headline table for serf, serfts and a mixed cluster",
  ignore: !serf,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-bench-test-" });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${root}scripts/bench/run.ts`,
          "--quick",
          "--serfts=deno",
          `--out=${dir}/bench.md`,
          `--json=${dir}/bench.json`,
        ],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(300_000),
      }).output();
      const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, log);

      const report = await Deno.readTextFile(`${dir}/bench.md`);
      const headline = report.split("## Headline")[1]?.split("\n## ")[0] ?? "";
      // The report is `deno fmt`ed, which pads the columns: compare cells, not lines.
      const cells = (line: string) => line.trim().slice(1, -1).split("|").map((c) => c.trim());
      const lines = headline.split("\n").filter((l) => l.startsWith("|"));
      assert.deepEqual(cells(lines[0] ?? ""), cells(TABLE_HEADER), report);
      assert.match(lines[1] ?? "", /^\|[-:| ]+\|$/);
      const rows = lines.slice(2).map(cells);
      assert.ok(rows.length >= MEASURED.length + PRESENT.length, report);
      for (const row of rows) {
        assert.equal(row.length, 7, `malformed row: ${row.join(" | ")}`);
        assert.match(row[4]!, RATIO, `serfts/serf cell of ${row[0]}`);
        assert.match(row[6]!, row[5] === "-" ? /^-$/ : RATIO, `mixed/serf cell of ${row[0]}`);
      }
      const find = (label: string) => {
        const row = rows.find((r) => r[0]!.includes(label));
        assert.ok(row, `no row "${label}" in:\n${headline}`);
        return row;
      };
      for (const label of MEASURED) {
        const row = find(label);
        assert.match(row[2]!, NUMBER, `serf value of ${label}`);
        assert.match(row[3]!, NUMBER, `serfts value of ${label}`);
      }
      for (const label of PRESENT) find(label);
      for (const label of MEASURED.slice(0, 3)) {
        assert.match(find(label)[5]!, NUMBER, `mixed value of ${label}`);
      }

      const results = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
      assert.deepEqual(results.clusters.map((c: { kind: string }) => c.kind).sort(), [
        "mixed",
        "serf",
        "serfts",
      ]);
      assert.ok(results.machine.nproc > 0 && results.machine.kernel, "machine described");

      const table = /nftables table inet (serfts_bench_\d+)/.exec(log)?.[1];
      assert.ok(table, `the bench names its nftables table:\n${log}`);
      const tables = await new Deno.Command("nft", {
        args: ["list", "tables"],
        stdout: "piped",
        stderr: "null",
      })
        .output().catch(() => undefined);
      if (tables?.success) {
        assert.ok(
          !new TextDecoder().decode(tables.stdout).includes(`${table}\n`),
          `${table} was left behind`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
