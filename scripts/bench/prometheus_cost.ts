/**
 * What the Prometheus exporter costs an agent, measured in a fresh process
 * per run: loading it and writing a first scrape, the JS heap and RSS after a
 * collection (against a bare process), one scrape, and one emission through
 * the sink. With `--prom-client=DIR` (a directory where `npm install
 * prom-client` was run) the same families are built with `prom-client` for
 * comparison; the figures in README.md, "Prometheus metrics", come from
 * `--runs=3` under each runtime with prom-client 15.1.3.
 *
 * Run: `deno run -A scripts/bench/prometheus_cost.ts [--runs=3] [--runtime=deno|bun] [--prom-client=DIR]`.
 * Each child prints one JSON line; this script prints them and their ranges.
 *
 * @module
 */

const root = new URL("../..", import.meta.url).pathname;

/** Latency bounds as the exporter uses them, so both variants write the same buckets. */
const LATENCY = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const MEASURE = `
const g = globalThis;
function memory() {
  g.gc?.();
  g.Bun?.gc(true);
  const m = g.process?.memoryUsage?.() ?? {};
  return { rssMb: +(m.rss / 2 ** 20).toFixed(1), heapMb: +(m.heapUsed / 2 ** 20).toFixed(2) };
}
`;

const OURS = `${MEASURE}
const t0 = performance.now();
const { PrometheusSink } = await import(${JSON.stringify(`${root}lib/agent/prometheus_sink.ts`)});
const { writePrometheusText } = await import(${JSON.stringify(`${root}lib/agent/prometheus_text.ts`)});
const sink = new PrometheusSink({ serviceName: "serf-agent" });
for (let i = 0; i < 100; i++) {
  sink.addSample(["serf-agent", "memberlist", "probeNode"], i / 10);
  sink.incrCounter(["serf-agent", "serf", "member", "join"], 1);
}
let text = writePrometheusText(sink.families());
const loadMs = performance.now() - t0;
const r0 = performance.now();
for (let i = 0; i < 2000; i++) text = writePrometheusText(sink.families());
const scrapeMs = (performance.now() - r0) / 2000;
const e0 = performance.now();
for (let i = 0; i < 1e6; i++) sink.incrCounter(["serf-agent", "memberlist", "msg", "alive"], 1);
const emitNs = performance.now() - e0; // ms for 1e6 emissions = ns for one
console.log(JSON.stringify({ variant: "serfts", loadMs: +loadMs.toFixed(1), scrapeMs: +scrapeMs.toFixed(3),
  emitNs: +emitNs.toFixed(0), bytes: text.length, ...memory() }));
`;

function promClientChild(dir: string): string {
  return `${MEASURE}
const t0 = performance.now();
// prom-client is CommonJS: require it, as Node programs do (Deno and Bun both provide createRequire).
const { createRequire } = await import("node:module");
const client = createRequire(import.meta.url)(${JSON.stringify(`${dir}/node_modules/prom-client/index.js`)});
const reg = new client.Registry();
const buckets = ${JSON.stringify(LATENCY)};
const h = (name, labelNames = []) => new client.Histogram({ name, help: name, buckets, labelNames, registers: [reg] });
const c = (name, labelNames = []) => new client.Counter({ name, help: name, labelNames, registers: [reg] });
const gauge = (name, labelNames = []) => new client.Gauge({ name, help: name, labelNames, registers: [reg] });
const probe = h("serfts_probe_duration_seconds");
for (const n of ["push_pull", "gossip", "coordinate_adjustment"]) h("serfts_" + n + "_duration_seconds");
h("serfts_snapshot_duration_seconds", ["op"]);
const changes = c("serfts_member_changes_total", ["change"]);
const alive = c("serfts_memberlist_state_changes_total", ["state"]);
for (const n of ["suspicions", "user_events_received", "queries_received", "coordinate_rejected",
  "coordinate_zero_rtt", "rpc_connections", "rpc_commands", "user_events_sent", "queries_sent",
  "coordinate_resets", "probe_tcp_fallbacks"]) c("serfts_" + n + "_total");
for (const n of ["memberlist_degraded", "gossip_tcp_connections", "query_acks", "query_responses",
  "gossip_sent_bytes", "gossip_received_bytes", "gossip_packets", "malformed_messages", "dropped_messages"]) {
  c("serfts_" + n + "_total", ["l"]);
}
for (const n of ["members", "broadcast_queue_messages"]) gauge("serfts_" + n, ["l"]);
for (const n of ["health_score", "coordinate_error", "rpc_clients", "runtime_alloc_bytes", "runtime_sys_bytes"]) {
  gauge("serfts_" + n);
}
for (let i = 0; i < 100; i++) {
  probe.observe(i / 10000);
  changes.inc({ change: "join" });
}
let text = await reg.metrics();
const loadMs = performance.now() - t0;
const r0 = performance.now();
for (let i = 0; i < 2000; i++) text = await reg.metrics();
const scrapeMs = (performance.now() - r0) / 2000;
const e0 = performance.now();
for (let i = 0; i < 1e6; i++) alive.inc({ state: "alive" });
const emitNs = performance.now() - e0; // ms for 1e6 emissions = ns for one
console.log(JSON.stringify({ variant: "prom-client", loadMs: +loadMs.toFixed(1), scrapeMs: +scrapeMs.toFixed(3),
  emitNs: +emitNs.toFixed(0), bytes: text.length, ...memory() }));
`;
}

const BARE = `${MEASURE}
console.log(JSON.stringify({ variant: "bare process", ...memory() }));
`;

function flag(name: string, fallback: string): string {
  const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
}

async function runChild(runtime: string, source: string): Promise<Record<string, unknown>> {
  const file = await Deno.makeTempFile({ suffix: ".mjs" });
  try {
    await Deno.writeTextFile(file, source);
    const args = runtime === "bun"
      ? [`${root}node_modules/.bin/bun`, "run", file]
      : [Deno.execPath(), "run", "-A", "--v8-flags=--expose-gc", file];
    const out = await new Deno.Command(args[0]!, { args: args.slice(1), stdout: "piped", stderr: "inherit" })
      .output();
    if (!out.success) throw new Error(`Cannot measure: the ${runtime} child failed (exit ${out.code})`);
    return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  } finally {
    await Deno.remove(file);
  }
}

const runs = Number(flag("runs", "3"));
const runtime = flag("runtime", "deno");
const promClient = flag("prom-client", "");
if (!(runs >= 1) || !["deno", "bun"].includes(runtime)) {
  throw new RangeError(
    `Cannot run: --runs must be >= 1 and --runtime deno or bun, got ${runs} and ${runtime}`,
  );
}
const variants: [string, string][] = [["bare process", BARE], ["serfts", OURS]];
if (promClient) variants.push(["prom-client", promClientChild(promClient)]);
for (const [name, source] of variants) {
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < runs; i++) results.push(await runChild(runtime, source));
  for (const r of results) console.log(JSON.stringify(r));
  const range = (k: string) => {
    const v = results.map((r) => r[k]).filter((x): x is number => typeof x === "number");
    return v.length ? `${Math.min(...v)}-${Math.max(...v)}` : "-";
  };
  console.log(
    `${name} (${runtime}, ${runs} runs): load+first scrape ${range("loadMs")} ms, scrape ${
      range("scrapeMs")
    } ms, emission ${range("emitNs")} ns, heap ${range("heapMb")} MB, RSS ${range("rssMb")} MB`,
  );
}
