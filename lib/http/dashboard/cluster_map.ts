/// <reference lib="dom" />
/**
 * The 2-D cluster map: each node with a coordinate is a dot at its projected
 * Vivaldi position, coloured by status. Hovering a dot lists the estimated
 * RTT to the other nodes, nearest first. SVG keeps hover exact and cheap; 500
 * dots draw in a few milliseconds.
 *
 * @module
 */
import { byId, statusColor } from "./dom.ts";
import type { ClusterLayout } from "./layout.ts";
import type { DashboardState } from "./state.ts";
import { formatRtt } from "./vivaldi.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const SIZE = 480;
const PAD = 40;
/** Names are drawn beside the dots only while they fit. */
const MAX_LABELS = 40;
/** Rows of the hover list before it says "and N more". */
const HOVER_ROWS = 12;

/** Draws the map and its hover box. */
export class ClusterMap {
  #svg = byId("map", SVGSVGElement);
  #tip = byId("map-tip", HTMLElement);
  #drawnLayout = -1;
  #drawnMembers = -1;
  /** Dots by node name, so a status change recolours one dot instead of redrawing 500. */
  #dots = new Map<string, SVGCircleElement>();
  #state: DashboardState | undefined;

  constructor() {
    this.#svg.setAttribute("viewBox", `0 0 ${SIZE} ${SIZE}`);
    this.#svg.addEventListener("mouseover", (e) => this.#hover(e));
    this.#svg.addEventListener("mouseleave", () => (this.#tip.hidden = true));
  }

  /** Redraws when the layout or a status changed. */
  render(state: DashboardState, layout: ClusterLayout): void {
    this.#state = state;
    if (layout.version === this.#drawnLayout) {
      if (state.membersVersion !== this.#drawnMembers) this.#recolour(state);
      return;
    }
    this.#drawnLayout = layout.version;
    this.#drawnMembers = state.membersVersion;
    this.#dots.clear();
    const { names, points } = layout;
    let maxAbs = 1e-9;
    for (const [x, y] of points) maxAbs = Math.max(maxAbs, Math.abs(x), Math.abs(y));
    // One scale for both axes: distances on the map stay comparable.
    const scale = (SIZE / 2 - PAD) / maxAbs;
    const radius = names.length > 200 ? 3 : names.length > 50 ? 4 : 6;
    const frag = document.createDocumentFragment();
    names.forEach((name, i) => {
      const [x, y] = points[i]!;
      const cx = SIZE / 2 + x * scale;
      const cy = SIZE / 2 - y * scale;
      const status = state.members.get(name)?.Status ?? "unknown";
      const dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("cx", cx.toFixed(1));
      dot.setAttribute("cy", cy.toFixed(1));
      dot.setAttribute("r", String(name === state.selfName ? radius + 2 : radius));
      dot.style.fill = statusColor(status);
      dot.setAttribute("data-node", name);
      dot.setAttribute("data-status", status);
      if (name === state.selfName) dot.setAttribute("class", "self");
      this.#dots.set(name, dot);
      frag.appendChild(dot);
      if (names.length <= MAX_LABELS) {
        const label = document.createElementNS(SVG_NS, "text");
        // Labels on the right half go to the left of their dot, so none is cut off.
        const left = cx > SIZE / 2;
        label.setAttribute("x", (left ? cx - radius - 3 : cx + radius + 3).toFixed(1));
        if (left) label.setAttribute("text-anchor", "end");
        label.setAttribute("y", (cy + 4).toFixed(1));
        label.textContent = name;
        frag.appendChild(label);
      }
    });
    if (names.length === 0) {
      const t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", String(PAD));
      t.setAttribute("y", String(SIZE / 2));
      t.textContent = "No coordinates yet: nodes learn them as they probe each other.";
      frag.appendChild(t);
    }
    this.#svg.replaceChildren(frag);
  }

  #recolour(state: DashboardState): void {
    this.#drawnMembers = state.membersVersion;
    for (const [name, dot] of this.#dots) {
      const status = state.members.get(name)?.Status ?? "unknown";
      if (dot.getAttribute("data-status") === status) continue;
      dot.setAttribute("data-status", status);
      dot.style.fill = statusColor(status);
    }
  }

  #hover(e: MouseEvent): void {
    const target = e.target as Element;
    const name = target.getAttribute("data-node");
    const state = this.#state;
    if (!name || !state) return;
    const others: Array<[string, number]> = [];
    for (const other of state.coordinates.keys()) {
      if (other === name) continue;
      const rtt = state.rtt(name, other);
      if (rtt !== undefined) others.push([other, rtt]);
    }
    others.sort((a, b) => a[1] - b[1]);
    const lines = [`${name} (${state.members.get(name)?.Status ?? "no member record"})`];
    for (const [other, rtt] of others.slice(0, HOVER_ROWS)) lines.push(`→ ${other}: ${formatRtt(rtt)}`);
    if (others.length > HOVER_ROWS) {
      lines.push(
        `… ${others.length - HOVER_ROWS} more, farthest ${formatRtt(others[others.length - 1]![1])}`,
      );
    }
    this.#tip.textContent = lines.join("\n");
    this.#tip.hidden = false;
    const box = this.#svg.getBoundingClientRect();
    this.#tip.style.left = `${e.clientX - box.left + 12}px`;
    this.#tip.style.top = `${e.clientY - box.top + 12}px`;
  }
}
