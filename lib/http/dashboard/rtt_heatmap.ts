/// <reference lib="dom" />
/**
 * The RTT heatmap: an N×N canvas of estimated round-trip times between every
 * pair of nodes with coordinates, in the map's first-axis order so nearby
 * nodes form blocks. Drawn through one ImageData (a canvas call per cell
 * would be 250 000 calls at 500 nodes). Hover names the pair and its RTT.
 *
 * @module
 */
import { byId } from "./dom.ts";
import type { ClusterLayout } from "./layout.ts";
import type { DashboardState } from "./state.ts";
import { formatRtt, rttMatrix } from "./vivaldi.ts";

/** Defaults of {@linkcode RttHeatmap}. */
export const DEFAULT_HEATMAP_OPTIONS: Readonly<HeatmapOptions> = {
  maxNodes: 500,
  sizePx: 480,
  maxCellPx: 40,
};

/** Options of {@linkcode RttHeatmap}. */
export interface HeatmapOptions {
  /**
   * Nodes drawn at most (the first ones in map order); beyond this the pixels
   * per cell drop below one and the picture stops saying anything.
   * @default {500}
   */
  maxNodes: number;
  /**
   * Target edge of the canvas in CSS pixels; cells are whole pixels, so the
   * canvas may come out a little smaller.
   * @default {480}
   */
  sizePx: number;
  /**
   * Largest cell edge in CSS pixels, so a three-node cluster is not drawn as
   * three giant squares.
   * @default {40}
   */
  maxCellPx: number;
}

/** Colour stops from near (dark blue) to far (yellow), as [r, g, b]. */
const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [13, 8, 135],
  [126, 3, 168],
  [204, 71, 120],
  [248, 149, 64],
  [240, 249, 33],
];

/** Maps t in [0, 1] to a colour along {@linkcode STOPS}. */
export function heatColor(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** `r, g, b` opaque as one Uint32 word over ImageData bytes (built through bytes, so right on either byte order). */
function rgbaWord(r: number, g: number, b: number): number {
  const bytes = new Uint8Array([r, g, b, 255]);
  return new Uint32Array(bytes.buffer)[0]!;
}

let palette: Uint32Array | undefined;

/** {@linkcode heatColor} at 256 steps, as ImageData words. */
function paletteWords(): Uint32Array {
  if (!palette) {
    palette = new Uint32Array(256);
    for (let k = 0; k < 256; k++) palette[k] = rgbaWord(...heatColor(k / 255));
  }
  return palette;
}

/** Draws the heatmap and its hover text. */
export class RttHeatmap {
  #canvas = byId("heatmap", HTMLCanvasElement);
  #legend = byId("heatmap-legend", HTMLElement);
  #tip = byId("heatmap-tip", HTMLElement);
  #options: HeatmapOptions;
  #drawn = -1;
  #names: string[] = [];
  #cell = 1;
  #state: DashboardState | undefined;

  constructor(options: Partial<HeatmapOptions> = {}) {
    this.#options = { ...DEFAULT_HEATMAP_OPTIONS, ...options };
    this.#canvas.addEventListener("mousemove", (e) => this.#hover(e));
    this.#canvas.addEventListener("mouseleave", () => (this.#tip.textContent = ""));
  }

  /** Redraws when the layout changed. */
  render(state: DashboardState, layout: ClusterLayout): void {
    this.#state = state;
    if (layout.version === this.#drawn) return;
    this.#drawn = layout.version;
    const names = layout.order.slice(0, this.#options.maxNodes).map((i) => layout.names[i]!);
    const n = names.length;
    this.#names = names;
    const fit = Math.floor(this.#options.sizePx / Math.max(1, n));
    const cell = Math.max(1, Math.min(this.#options.maxCellPx, fit));
    this.#cell = cell;
    const size = Math.max(1, cell * n);
    this.#canvas.width = size;
    this.#canvas.height = size;
    const ctx = this.#canvas.getContext("2d");
    if (!ctx || n === 0) {
      this.#legend.textContent = "No coordinates yet.";
      return;
    }
    const rtt = rttMatrix(names.map((name) => state.coordinates.get(name)!));
    let min = Infinity;
    let max = 0;
    for (const v of rtt) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const span = max > min ? max - min : 1;
    const image = ctx.createImageData(size, size);
    // Whole rows of pixels as 32-bit words, colours from a 256-step table:
    // no allocation per cell, which kept 500 nodes at ~100 ms per redraw.
    const words = new Uint32Array(image.data.buffer);
    const palette = paletteWords();
    const none = rgbaWord(40, 40, 40);
    const line = new Uint32Array(size);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = rtt[i * n + j]!;
        const word = i === j || !Number.isFinite(v) ? none : palette[Math.round(((v - min) / span) * 255)]!;
        if (cell === 1) line[j] = word;
        else line.fill(word, j * cell, (j + 1) * cell);
      }
      for (let y = i * cell; y < (i + 1) * cell; y++) words.set(line, y * size);
    }
    ctx.putImageData(image, 0, 0);
    const shown = layout.names.length > n ? ` (first ${n} of ${layout.names.length} nodes)` : ` (${n} nodes)`;
    this.#legend.textContent = n < 2
      ? "Needs two nodes with coordinates."
      : `${formatRtt(min)} (dark) … ${formatRtt(max)} (bright)${shown}`;
  }

  #hover(e: MouseEvent): void {
    const box = this.#canvas.getBoundingClientRect();
    const scale = this.#canvas.width / Math.max(1, box.width);
    const j = Math.floor(((e.clientX - box.left) * scale) / this.#cell);
    const i = Math.floor(((e.clientY - box.top) * scale) / this.#cell);
    const a = this.#names[i];
    const b = this.#names[j];
    if (!a || !b || !this.#state) return;
    this.#tip.textContent = a === b ? a : `${a} → ${b}: ${formatRtt(this.#state.rtt(a, b))}`;
  }
}
