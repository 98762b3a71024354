/// <reference lib="dom" />
/**
 * The dashboard's entry point, bundled into `/ui/app.js` by
 * scripts/build_dashboard.ts. It loads the members, stats and coordinates,
 * follows `/v1/events` (reconnecting with a bounded back-off and reloading the
 * members after each gap, since events missed in between are gone), polls
 * coordinates and stats, and redraws at most once per animation frame.
 *
 * Timings land in the Performance API as measures: `serfts:first-render`
 * (navigation to the first frame with members), `serfts:first-full-render`
 * (members and coordinates), `serfts:render` (each later redraw) and
 * `serfts:render-coordinates` (a redraw after the coordinates moved), which the
 * dashboard benchmark (scripts/bench/dashboard.ts) reads.
 *
 * @module
 */
import { ApiClient, AuthRequiredError } from "./api.ts";
import { ClusterMap } from "./cluster_map.ts";
import { EventFeed } from "./event_feed.ts";
import { errorText, HeaderBar, type NodeSummary } from "./header_bar.ts";
import { type ClusterLayout, computeLayout } from "./layout.ts";
import { MemberTable } from "./member_table.ts";
import { RttHeatmap } from "./rtt_heatmap.ts";
import { DashboardState } from "./state.ts";
import { isApiMember, parseApiEvent } from "./types.ts";

/** Defaults of the page's timers. */
export const DEFAULT_DASHBOARD_TIMING: Readonly<DashboardTiming> = {
  pollMs: 5000,
  reconnectMinMs: 1000,
  reconnectMaxMs: 15000,
};

/** How often the page polls and how it backs off. */
export interface DashboardTiming {
  /**
   * Coordinates and stats poll period: coordinates move with every probe and
   * have no event of their own.
   * @default {5000}
   */
  pollMs: number;
  /** First wait before reconnecting the event stream. @default {1000} */
  reconnectMinMs: number;
  /** Longest wait between reconnects (the wait doubles up to this). @default {15000} */
  reconnectMaxMs: number;
}

const timing = DEFAULT_DASHBOARD_TIMING;
const state = new DashboardState();
const api = new ApiClient(globalThis.localStorage);
const summary: NodeSummary = { health: "" };
let generation = new AbortController();
let layout: ClusterLayout = computeLayout(state);
let framePending = false;
let firstRenderDone = false;
let fullRenderDone = false;

const header = new HeaderBar(api, (token) => {
  api.setToken(token);
  start();
});
const table = new MemberTable(scheduleRender);
const feed = new EventFeed();
const map = new ClusterMap();
const heatmap = new RttHeatmap();

function scheduleRender(): void {
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(() => {
    framePending = false;
    render();
  });
}

function render(): void {
  const started = performance.now();
  const relayout = layout.version !== state.coordinatesVersion;
  if (relayout) layout = computeLayout(state);
  header.render(state, summary);
  table.render(state);
  feed.render(state);
  map.render(state, layout);
  heatmap.render(state, layout);
  if (firstRenderDone) {
    const name = relayout ? "serfts:render-coordinates" : "serfts:render";
    performance.measure(name, { start: started, end: performance.now() });
  } else if (state.membersVersion > 0) {
    // From navigation start to the first frame that shows members.
    firstRenderDone = true;
    performance.measure("serfts:first-render", { start: 0, end: performance.now() });
  }
  if (!fullRenderDone && state.membersVersion > 0 && state.coordinatesVersion > 0) {
    // Table, map and heatmap all drawn from real data for the first time.
    fullRenderDone = true;
    performance.measure("serfts:first-full-render", { start: 0, end: performance.now() });
  }
  document.body.dataset.members = String(state.members.size);
}

function failed(err: unknown): void {
  if (err instanceof DOMException && err.name === "AbortError") return;
  if (err instanceof AuthRequiredError) {
    generation.abort();
    header.askForToken();
    return;
  }
  // fetch() rejects with a TypeError when the agent is unreachable.
  const reach = err instanceof TypeError ? "Cannot reach the agent (is it still running?): " : "";
  header.notify(reach + errorText(err));
}

async function loadMembers(signal: AbortSignal): Promise<void> {
  const members = await api.getJson("/v1/members", signal);
  if (!Array.isArray(members)) throw new Error("GET /v1/members did not answer a list");
  state.setMembers(members.filter(isApiMember));
  scheduleRender();
}

async function poll(signal: AbortSignal): Promise<void> {
  const [stats, coordinates] = await Promise.all([
    api.getJson("/v1/stats", signal),
    api.getJson("/v1/coordinates", signal),
  ]);
  const s = stats as { agent?: { name?: unknown }; serf?: { health_score?: unknown } };
  if (typeof s.agent?.name === "string") state.selfName = s.agent.name;
  summary.health = typeof s.serf?.health_score === "string" ? s.serf.health_score : "";
  if (Array.isArray(coordinates)) state.setCoordinates(coordinates);
  scheduleRender();
}

async function pollLoop(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await poll(signal).catch(failed);
    await sleep(timing.pollMs, signal);
  }
}

async function eventLoop(signal: AbortSignal): Promise<void> {
  let wait = timing.reconnectMinMs;
  while (!signal.aborted) {
    try {
      await loadMembers(signal);
      await api.streamEvents((m) => {
        const event = parseApiEvent(m.event, m.data);
        if (!event) return;
        state.applyEvent(event);
        scheduleRender();
      }, signal);
      header.notify("The event stream ended; reconnecting.");
      wait = timing.reconnectMinMs;
    } catch (err) {
      failed(err);
      if (err instanceof AuthRequiredError) return;
    }
    await sleep(wait, signal);
    wait = Math.min(timing.reconnectMaxMs, wait * 2);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** (Re)starts loading and streaming, e.g. after the operator entered a token. */
function start(): void {
  generation.abort();
  generation = new AbortController();
  header.notify("");
  void pollLoop(generation.signal);
  void eventLoop(generation.signal);
}

scheduleRender();
start();
