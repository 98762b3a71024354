/**
 * How the dashboard copes with a big cluster: the real page in headless
 * Chromium against scripts/bench/dashboard_fake_api.ts with N members (500 by
 * default). Reports, from the page's own Performance API measures:
 * - first render: navigation start to the first frame showing members, and to
 *   the first frame with the map and heatmap drawn;
 * - per update: each redraw while member events stream in (a status change
 *   redraws the table, the header and the map's colours);
 * - a coordinate update: the redraw after coordinates move (projection, map,
 *   heatmap and the RTT column), three times.
 *
 * Run: `deno run -A scripts/bench/dashboard.ts [--members=500] [--events=200]
 * [--screenshot=docs/dashboard_500.png]`. Figures depend on the machine; the
 * README quotes a run on the 2-core CI machine.
 *
 * @module
 */
import { BrowserClient } from "../browser/client.ts";
import { startFakeApi } from "./dashboard_fake_api.ts";

/** Options of {@linkcode measureDashboard}. */
export interface DashboardBenchOptions {
  /** Cluster size. @default {500} */
  members: number;
  /** Member events streamed after the first render. @default {200} */
  events: number;
  /** Pause between events, so each can get its own frame. @default {25} */
  eventGapMs: number;
  /** Where to save a screenshot, or "" for none. @default {""} */
  screenshot: string;
}

/** Defaults of {@linkcode DashboardBenchOptions}. */
export const DEFAULT_DASHBOARD_BENCH_OPTIONS: Readonly<DashboardBenchOptions> = {
  members: 500,
  events: 200,
  eventGapMs: 25,
  screenshot: "",
};

/** What {@linkcode measureDashboard} found, in milliseconds. */
export interface DashboardBenchResult {
  members: number;
  firstRenderMs: number;
  firstFullRenderMs: number;
  /** Redraws caused by the streamed member events. */
  updates: { count: number; medianMs: number; p95Ms: number; maxMs: number };
  /** Redraws after the coordinates moved (projection, map and heatmap redrawn). */
  coordinateUpdates: number[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Runs the measurement once. */
export async function measureDashboard(
  options: Partial<DashboardBenchOptions> = {},
): Promise<DashboardBenchResult> {
  const o = { ...DEFAULT_DASHBOARD_BENCH_OPTIONS, ...options };
  const api = startFakeApi({ members: o.members });
  let browser: BrowserClient | undefined;
  try {
    browser = await BrowserClient.launch();
    await browser.send({ op: "goto", url: api.url });
    await browser.wait(`#members-body tr`, 60_000, { nth: o.members - 1 });
    await browser.wait("#map circle", 60_000, { nth: o.members - 1 });
    const deadline = Date.now() + 10_000;
    while ((await browser.measures("serfts:first-full-render")).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const [firstRenderMs] = await browser.measures("serfts:first-render");
    const [firstFullRenderMs] = await browser.measures("serfts:first-full-render");
    while (api.streams() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const before = (await browser.measures("serfts:render")).length;
    for (let i = 0; i < o.events; i++) {
      const m = api.members[1 + (i * 7) % (o.members - 1)]!;
      m.Status = m.Status === "alive" ? "failed" : "alive";
      api.push(m.Status === "failed" ? "member-failed" : "member-join", {
        Event: m.Status === "failed" ? "member-failed" : "member-join",
        Members: [m],
      });
      await new Promise((r) => setTimeout(r, o.eventGapMs));
    }
    await new Promise((r) => setTimeout(r, 500));
    const renders = await browser.measures("serfts:render");
    const updates = renders.slice(before).sort((a, b) => a - b);
    // Three coordinate moves, each picked up by the page's next poll (every 5 s).
    for (let i = 1; i <= 3; i++) {
      api.moveCoordinates();
      const until = Date.now() + 15_000;
      while ((await browser.measures("serfts:render-coordinates")).length < i && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const coordinateUpdates = await browser.measures("serfts:render-coordinates");
    if (o.screenshot) {
      await browser.send({ op: "hover", selector: `#map circle[data-node="${api.members[3]!.Name}"]` });
      await browser.send({ op: "screenshot", path: o.screenshot, fullPage: false });
    }
    const problems = await browser.problems();
    if (problems.length > 0) throw new Error(`The page logged errors:\n${problems.join("\n")}`);
    return {
      members: o.members,
      firstRenderMs: firstRenderMs ?? NaN,
      firstFullRenderMs: firstFullRenderMs ?? NaN,
      updates: {
        count: updates.length,
        medianMs: quantile(updates, 0.5),
        p95Ms: quantile(updates, 0.95),
        maxMs: updates[updates.length - 1] ?? NaN,
      },
      coordinateUpdates,
    };
  } finally {
    await browser?.close();
    await api.close();
  }
}

function flag(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return Deno.args.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

if (import.meta.main) {
  const members = Number(flag("members", "500"));
  const events = Number(flag("events", "200"));
  if (!Number.isInteger(members) || members < 2) {
    throw new RangeError(`--members must be at least 2: got ${members}`);
  }
  const r = await measureDashboard({ members, events, screenshot: flag("screenshot", "") });
  const f = (x: number) => x.toFixed(1);
  console.log(`dashboard with ${r.members} members (headless Chromium, fake API on loopback)`);
  console.log(`  first render (members):           ${f(r.firstRenderMs)} ms after navigation start`);
  console.log(`  first full render (map, heatmap): ${f(r.firstFullRenderMs)} ms after navigation start`);
  console.log(
    `  per update (${r.updates.count} redraws for ${events} member events): median ${
      f(r.updates.medianMs)
    } ms, ` +
      `p95 ${f(r.updates.p95Ms)} ms, max ${f(r.updates.maxMs)} ms`,
  );
  console.log(`  coordinate updates (map + heatmap redrawn): ${r.coordinateUpdates.map(f).join(", ")} ms`);
}
