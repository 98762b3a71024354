/**
 * Reads a `/metrics` exposition for tests with Prometheus' own text parser
 * (`expfmt`, through `scripts/golden/prometheus/main.go`, built once per test
 * process like the other Go reference tools), and makes the checks that parser
 * leaves to client libraries: names and values well formed, one HELP and one
 * TYPE per family before its samples, counters named `_total`, histogram
 * buckets ascending and cumulative with `+Inf` equal to `_count`.
 *
 * `parse-prometheus-text-format` from npm was tried first and left out: it
 * merges the series of a labelled histogram into one and drops their `_sum`
 * and `_count`, which would hide exactly the mistakes this helper must catch.
 *
 * Without Go and the Debian sources the tests that need it are skipped with a
 * message; with `SERFTS_REQUIRE_REFERENCE=1` (CI) they fail instead.
 */
import assert from "node:assert/strict";
import { buildGoTool, type GoTool, REQUIRE_REFERENCE } from "../_go_tool.ts";

/** A family as the reference parser reports it (numbers stay strings, as Go spelled them). */
export interface ParsedFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  series: ParsedSample[];
}

/** One series: `value` for counters and gauges, `buckets`/`sum`/`count` for histograms. */
export interface ParsedSample {
  labels: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  sum?: string;
  count?: string;
}

const TOOL_DIR = new URL("../../scripts/golden/prometheus/", import.meta.url);
let toolPromise: Promise<GoTool> | undefined;

/** Builds the reference parser once per test process. */
export function prometheusParserTool(): Promise<GoTool> {
  toolPromise ??= buildGoTool(TOOL_DIR, "golden-prometheus", {
    needs: ["github.com/prometheus/common/expfmt"],
  });
  return toolPromise;
}

/** Why tests needing the parser are skipped, or undefined when it is there (CI never skips). */
export async function parserUnavailable(): Promise<string | undefined> {
  const tool = await prometheusParserTool();
  if ("path" in tool) return undefined;
  if (REQUIRE_REFERENCE) throw new Error(`The Prometheus reference parser is required in CI: ${tool.skip}`);
  return tool.skip;
}

/** Runs the reference parser on `text`; rejects with its message when it refuses the text. */
async function referenceParse(text: string): Promise<ParsedFamily[]> {
  const tool = await prometheusParserTool();
  if (!("path" in tool)) throw new Error(`The Prometheus reference parser is unavailable: ${tool.skip}`);
  const child = new Deno.Command(tool.path, { stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`Prometheus' parser refused the text: ${dec.decode(out.stderr).trim()}`);
  return JSON.parse(dec.decode(out.stdout)) as ParsedFamily[];
}

/** A number as the reference parser spells it (`+Inf`, `-Inf`, `NaN` included). */
export function goNumber(s: string): number {
  return s === "+Inf" ? Infinity : s === "-Inf" ? -Infinity : Number(s);
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const VALUE = "(?:[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?|NaN|[-+]Inf)";
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*)?\\})? (${VALUE})$`);
const META_LINE = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`);

/** The family a sample line belongs to: its name less a histogram suffix, when that family is a histogram. */
function familyOf(sample: string, types: Map<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length);
      if (types.get(base) === "histogram") return base;
    }
  }
  return sample;
}

/**
 * Parses `text` and fails the test on anything a strict reader would refuse.
 * @returns families by name
 */
export async function parseMetrics(text: string): Promise<Map<string, ParsedFamily>> {
  assert.ok(text.endsWith("\n"), "the exposition ends with a line feed");
  const helps = new Set<string>();
  const types = new Map<string, string>();
  const finished = new Set<string>();
  const lastBound = new Map<string, number>();
  const withSamples = new Set<string>();
  let current = "";
  for (const line of text.split("\n").slice(0, -1)) {
    const meta = META_LINE.exec(line);
    if (meta) {
      const [, kind, name] = meta as unknown as [string, string, string, string];
      if (name !== current) {
        if (current) finished.add(current);
        assert.ok(!finished.has(name), `family ${name} is written in one block`);
        current = name;
      }
      if (kind === "HELP") {
        assert.ok(!helps.has(name), `one HELP for ${name}`);
        helps.add(name);
      } else {
        assert.ok(!types.has(name), `one TYPE for ${name}`);
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(name, meta[3]!);
      }
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    assert.ok(sample, `a well-formed sample line: ${JSON.stringify(line)}`);
    const family = familyOf(sample[1]!, types);
    withSamples.add(family);
    assert.equal(family, current, `${sample[1]} follows the HELP and TYPE of its family`);
    assert.ok(types.has(family) && helps.has(family), `${family} has HELP and TYPE before its samples`);
    if (family !== sample[1] && sample[1]!.endsWith("_bucket")) {
      const le = /le="([^"]*)"/.exec(line);
      assert.ok(le, `${line} has an le label`);
      const seriesKey = line.replace(/,?le="[^"]*"/, "").replace(/ .*$/, "");
      const bound = Number(le[1]!.replace("+Inf", "Infinity"));
      assert.ok(!(bound <= (lastBound.get(seriesKey) ?? -Infinity)), `bucket bounds ascend: ${line}`);
      lastBound.set(seriesKey, bound);
    }
  }
  const parsed = await referenceParse(text);
  const out = new Map<string, ParsedFamily>();
  for (const f of parsed) {
    assert.ok(!out.has(f.name), `family ${f.name} appears once`);
    assert.equal(f.type.toLowerCase(), types.get(f.name), `the parser read ${f.name}'s TYPE`);
    out.set(f.name, f);
    if (f.type === "HISTOGRAM") checkHistogram(f);
  }
  // Go's parser leaves out families declared without samples; they are still families to test for.
  for (const [name, type] of types) {
    if (type === "counter") assert.match(name, /_total$/, `counter ${name} ends in _total`);
    if (!out.has(name)) {
      assert.ok(!withSamples.has(name), `the parser kept ${name}`);
      out.set(name, { name, help: "", type: type.toUpperCase() as ParsedFamily["type"], series: [] });
    }
  }
  return out;
}

function checkHistogram(f: ParsedFamily): void {
  for (const m of f.series) {
    // Object keys lose the text's order (integer-like ones come first): sort by bound again.
    const buckets = Object.entries(m.buckets ?? {})
      .map(([le, n]) => [goNumber(le), Number(n)] as const)
      .sort((a, b) => a[0] - b[0]);
    assert.ok(buckets.length >= 2, `${f.name} has buckets`);
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i]![1] >= buckets[i - 1]![1], `${f.name} buckets are cumulative`);
    }
    assert.equal(buckets.at(-1)![0], Infinity, `${f.name} ends with le="+Inf"`);
    assert.equal(buckets.at(-1)![1], Number(m.count), `${f.name} +Inf bucket equals _count`);
  }
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  return Object.keys(x).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => x[k] === v);
}

/** The series of `name` with exactly `labels`; fails the test when it is missing. */
export function series(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): ParsedSample {
  const f = families.get(name);
  assert.ok(f, `family ${name} is present`);
  const s = f.series.find((m) => sameLabels(m.labels, labels));
  assert.ok(s, `${name}${JSON.stringify(labels)} is present`);
  return s;
}

/** A counter's or gauge's value, or a histogram's observation count. */
export function valueOf(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const s = series(families, name, labels);
  return goNumber(s.value ?? s.count ?? "NaN");
}
