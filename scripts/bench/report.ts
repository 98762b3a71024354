/**
 * Writes docs/benchmarks.md (or the `--out` path) from a run: machine and
 * versions, the headline table, every cluster size, SVG charts of the cluster
 * metrics against size (in a folder named after the report), the raw rounds,
 * and how each number is measured.
 */
import { barChart, lineChart } from "./svg_chart.ts";
import {
  type BenchResults,
  CLUSTER_METRICS,
  type ClusterKind,
  clusterMedian,
  clusterRows,
  type Row,
  rowRatio,
  soloRows,
} from "./results.ts";
import { fmt, fmtRatio, median, ratio } from "./stats.ts";

/** The column header of every results table. */
export const TABLE_HEADER = "| what | unit | serf | serfts | serfts/serf | mixed | mixed/serf |";

/** Markdown rows for `rows` under {@linkcode TABLE_HEADER}. */
export function tableLines(rows: Row[]): string[] {
  return [
    TABLE_HEADER,
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${r.metric} | ${r.unit} | ${fmt(r.serf, r.digits)} | ${fmt(r.serfts, r.digits)} | ${
        fmtRatio(rowRatio(r))
      } | ${r.mixed === undefined ? "-" : fmt(r.mixed, r.digits)} | ${
        r.mixed === undefined ? "-" : fmtRatio(ratio(r.mixed, r.serf))
      } |`
    ),
  ];
}

/** The headline rows: the smallest cluster size plus idle, start-up, RPC and rtt. */
export function headlineRows(r: BenchResults): Row[] {
  return [...clusterRows(r, Math.min(...r.config.sizes)), ...soloRows(r)];
}

/** Writes the report and its charts; returns the headline table. */
export async function writeReport(r: BenchResults): Promise<string> {
  const chartDir = r.config.out.replace(/\.md$/, "");
  const chartRel = chartDir.split("/").pop()!;
  const charts: string[] = [];
  if (r.config.sizes.length > 1) {
    await Deno.mkdir(chartDir, { recursive: true });
    const kinds: ClusterKind[] = ["serf", "serfts", "mixed"];
    for (const m of CLUSTER_METRICS) {
      const withMixed = m.key === "convergeMs" || m.key === "failureMs" || m.key === "eventMs";
      const svg = lineChart({
        title: `${m.label} vs cluster size (median)`,
        xLabel: "agents",
        yLabel: m.unit,
        xs: r.config.sizes,
        series: kinds.filter((k) => k !== "mixed" || withMixed).map((k) => ({
          name: k === "mixed" ? "half and half" : k,
          values: r.config.sizes.map((n) => clusterMedian(r, k, n, m.key)),
        })),
      });
      await Deno.writeTextFile(`${chartDir}/${m.key}.svg`, svg);
      charts.push(`![${m.label}](${chartRel}/${m.key}.svg)`);
    }
    const ping = median(r.rtt.map((s) => s.pingMs));
    const rttSvg = barChart({
      title: "rtt a b: each kind's estimate and ICMP ping",
      yLabel: "ms",
      groups: ["serf pair", "serfts pair", "ping"],
      series: [{
        name: "median",
        values: [
          median(r.rtt.map((s) => s.estimateMs.serf)),
          median(r.rtt.map((s) => s.estimateMs.serfts)),
          ping,
        ],
      }],
    });
    await Deno.writeTextFile(`${chartDir}/rtt.svg`, rttSvg);
    charts.push(`![rtt estimates](${chartRel}/rtt.svg)`);
  }

  const headline = tableLines(headlineRows(r)).join("\n");
  const m = r.machine;
  const c = r.config;
  const lines = [
    "# Benchmarks: serfts against HashiCorp Serf",
    "",
    `Run on ${r.date} (${Math.round(r.durationS / 60)} min) by \`deno task bench${
      c.quick ? " --quick" : ""
    }\`` +
    ` on ${m.nproc} × ${m.cpuModel}, ${m.memoryGb} GB, Linux ${m.kernel}; load average ${
      fmt(m.loadAtStart, 2)
    } at the start. The machine is shared with other work: read the ratios, not the absolute times.`,
    "",
    `- serf: \`${r.versions.serf}\``,
    `- serfts: \`${r.versions.serfts}\` run as ${r.versions.serftsRunner}, built from commit ` +
    `\`${r.versions.commit}\` (\`-dirty\`: the working tree had uncommitted changes); the build choice is explained ` +
    `in [footprint](footprint.md)`,
    `- ${c.rounds} interleaved round(s) per cluster size (${c.sizes.join(", ")} agents), ` +
    `${c.events} event(s) and ${c.events} query(ies) per cluster, steady window ${c.steadyMs / 1000} s, ` +
    `idle window ${c.idleMs / 1000} s, rtt after ${c.rttSettleMs / 1000} s`,
    "",
    'Medians; ratios are serfts/serf (below 1: serfts takes less). "mixed" is a cluster of alternating serf and',
    "serfts agents.",
    "",
    "## Headline",
    "",
    headline,
    "",
    "## By cluster size",
    "",
    ...tableLines(c.sizes.flatMap((n) => clusterRows(r, n))),
    "",
    ...(charts.length ? ["## Charts", "", ...charts.flatMap((x) => [x, ""])] : []),
    "## RPC",
    "",
    r.rpc
      ? `From scripts/bench/rpc.ts (${r.rpc.options.rounds} rounds, serf and serfts alternating; see its doc comment).`
      : `The RPC bench (scripts/bench/rpc.ts) failed: ${r.rpcError ?? "not run"}`,
    "",
    ...(r.rpc ? rpcTable(r) : []),
    "",
    "## Raw rounds",
    "",
    "| kind | agents | round | " + CLUSTER_METRICS.map((x) => `${x.label} (${x.unit})`).join(" | ") + " |",
    "|---|---:|---:|" + CLUSTER_METRICS.map(() => "---:").join("|") + "|",
    ...r.clusters.map((x) =>
      `| ${x.kind} | ${x.size} | ${x.round} | ` +
      CLUSTER_METRICS.map((k) => fmt(x.m[k.key], k.digits)).join(" | ") + " |"
    ),
    "",
    "rtt rounds (ms): " +
    r.rtt.map((s) =>
      `serf ${fmt(s.estimateMs.serf, 3)}, serfts ${fmt(s.estimateMs.serfts, 3)}, ping ${fmt(s.pingMs, 3)}`
    ).join("; "),
    "",
    `Start-to-ready (ms): serf ${r.startup.serf.map((x) => fmt(x)).join(", ")}; serfts ${
      r.startup.serfts.map((x) => fmt(x)).join(", ")
    }`,
    "",
    METHOD,
  ];
  await Deno.writeTextFile(c.out, lines.join("\n"));
  await formatMarkdown(c.out);
  return headline;
}

/** `deno fmt` the report so the repository's `deno fmt --check` stays clean (best effort). */
async function formatMarkdown(path: string): Promise<void> {
  try {
    await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", path],
      cwd: new URL("../..", import.meta.url).pathname,
      stdout: "null",
      stderr: "null",
    }).output();
  } catch {
    // left as written
  }
}

function rpcTable(r: BenchResults): string[] {
  const rpc = r.rpc!;
  const o = rpc.options;
  const out = [
    `| target | ${o.events} events pipelined (ms) | ${o.membersSequential} x members, ${o.memberCount} members, ` +
    `sequential (ms) | ${o.membersPipelined} x members pipelined (ms) |`,
    "|---|---:|---:|---:|",
  ];
  for (const [name, t] of Object.entries(rpc.targets)) {
    const x = rpc.ratios[name];
    const cell = (v: number, q?: number) => `${fmt(v, 1)}${q === undefined ? "" : ` (${fmtRatio(q)})`}`;
    out.push(
      `| ${name} | ${cell(t.eventsMs, x?.events)} | ${cell(t.membersSequentialMs, x?.membersSequential)} | ${
        cell(t.membersPipelinedMs, x?.membersPipelined)
      } |`,
    );
  }
  return out;
}

const METHOD = `## How it is measured

Everything runs as real processes on 127.0.0.1: \`serf agent\` (the Debian package, installed by the suite if
missing) and \`serfts agent\` with the same flags. Each measurement alternates the kinds (serf, serfts, then the
mixed cluster; the order of serf and serfts flips every round), and the tables show medians over the rounds.
Durations are taken with the benchmark's monotonic clock; handler arrival times with \`date +%s%N\` in the
handler, against the wall time the bench read just before sending.

- **Join convergence**: N agents started alone; once every one answers RPC, agents 1..N-1 are asked (RPC \`join\`,
  all at once) to join agent 0. Time until every agent has logged \`serf: EventMemberJoin\` for every other agent
  (Serf logs this as it learns of the member, before the handler coalescing); log lines are timestamped as they
  arrive through the pipe. A join RPC that fails (the seed did not finish the push/pull within the RPC client's
  10 s) is asked again, up to three times, and the wait stays in the figure: the bench prints
  \`join attempt N failed\` when that happens.
- **Failure detection**: the last agent of the cluster is SIGKILLed; time until every other agent has logged
  \`serf: EventMemberFailed\` for it. Agents alternate serf first in the mixed cluster, so the victim is a
  serfts agent when N is even.
- **User event to every handler**: each agent runs a shell handler for \`user\` and \`query\` events that appends
  its arrival time; an event (coalescing off) is sent through agent 0's RPC; time until all N handlers ran.
- **Query, all responses**: a query through agent 0's RPC, answered by the same handler on every agent; time
  until all N responses are back on the RPC stream.
- **Bytes sent per agent per second**: an nftables table \`inet serfts_bench_<pid>\` on the output hook counts packets
  from an agent's bind port, plus packets to an agent's bind port from a non-agent port (the dialing side of
  TCP push/pull); the total over the steady window (after convergence, before the events) divided by agents
  and seconds. IP headers included; RPC traffic excluded. The table is deleted afterwards.
- **Live peers declared failed**: over the whole cluster run, the (observer, peer) pairs where an agent logged
  \`EventMemberFailed\` for a peer that was alive (the victim before its kill included): false alarms, which
  a loaded machine provokes.
- **CPU and RSS per agent**: utime+stime from \`/proc/<pid>/stat\` over the same window, VmRSS from
  \`/proc/<pid>/status\` at its end.
- **Lone idle agent**: one (or more) agents of each kind, not joined, started together; after 3 s, CPU ticks
  (10 ms) over the idle window and VmRSS at its end.
- **Exec to first answered RPC**: spawn to the first \`members\` answered, polling a fresh connection every 5 ms.
- **RPC throughput**: scripts/bench/rpc.ts (a bare pre-encoded client, the same for both agents).
- **rtt**: a two-node serf cluster and a two-node serfts cluster side by side; after the settle time, each
  kind's own CLI \`rtt a b\` (median of three, a second apart), next to \`ping -c 40 -i 0.05 127.0.0.1\`.
`;
