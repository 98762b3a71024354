/**
 * Minimal SVG charts for docs/benchmarks.md, written by hand (no dependency):
 * a line chart (a metric against cluster size, one line per kind) and a
 * grouped bar chart. Missing values (NaN) leave a gap.
 */

/** One named series of values, aligned with the chart's x values or groups. */
export interface Series {
  name: string;
  values: number[];
}

/** What a chart shows. */
export interface ChartSpec {
  title: string;
  /** Unit of the y axis, e.g. "ms". */
  yLabel: string;
  series: Series[];
}

const W = 560;
const H = 300;
const M = { left: 60, right: 120, top: 36, bottom: 44 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A "nice" upper bound and tick step for values up to `max`. */
function scale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function frame(spec: ChartSpec, top: number, step: number, body: string[], xAxis: string[]): string {
  const plotH = H - M.top - M.bottom;
  const y = (v: number) => Number((M.top + plotH - (v / top) * plotH).toFixed(1));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(spec.title)}</text>`,
    `<text x="14" y="${M.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${
      M.top + plotH / 2
    })">${esc(spec.yLabel)}</text>`,
  ];
  for (let v = 0; v <= top + step / 2; v += step) {
    const label = Number(v.toPrecision(6));
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${label}</text>`,
    );
  }
  out.push(...xAxis, ...body);
  spec.series.forEach((s, i) => {
    const ly = M.top + 10 + i * 18;
    out.push(
      `<rect x="${W - M.right + 12}" y="${ly - 9}" width="12" height="12" fill="${
        COLORS[i % COLORS.length]
      }"/>`,
      `<text x="${W - M.right + 30}" y="${ly + 1}">${esc(s.name)}</text>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/**
 * A line chart of each series against the numeric `xs` (e.g. cluster sizes).
 * Every x is labelled and marked unless `xTicks` names the labelled values
 * (for time series with hundreds of points) and `markers` is false.
 */
export function lineChart(
  spec: ChartSpec & { xLabel: string; xs: number[]; xTicks?: number[]; markers?: boolean },
): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const maxX = Math.max(...spec.xs);
  const minX = Math.min(...spec.xs);
  const x = (v: number) =>
    Number((M.left + (maxX === minX ? plotW / 2 : ((v - minX) / (maxX - minX)) * plotW)).toFixed(1));
  const { top, step } = scale(Math.max(0, ...spec.series.flatMap((s) => s.values.filter(Number.isFinite))));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const axis = (spec.xTicks ?? spec.xs).map((v) =>
    `<text x="${x(v)}" y="${H - M.bottom + 16}" text-anchor="middle">${v}</text>`
  );
  axis.push(`<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  const body: string[] = [];
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = spec.xs.map((xv, j) => [x(xv), y(s.values[j] ?? NaN)] as const)
      .filter(([, yv]) => Number.isFinite(yv));
    if (points.length > 1) {
      const d = points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
      body.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    if (spec.markers === false) return;
    for (const [px, py] of points) {
      body.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${color}"/>`);
    }
  });
  return frame(spec, top, step, body, axis);
}

/** Grouped bars: one group per entry of `groups`, one bar per series in each. */
export function barChart(spec: ChartSpec & { groups: string[] }): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const { top, step } = scale(Math.max(0, ...spec.series.flatMap((s) => s.values.filter(Number.isFinite))));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const groupW = plotW / spec.groups.length;
  const barW = (groupW * 0.7) / spec.series.length;
  const axis = spec.groups.map((g, j) =>
    `<text x="${M.left + groupW * (j + 0.5)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(g)}</text>`
  );
  const body: string[] = [];
  spec.series.forEach((s, i) => {
    spec.groups.forEach((_, j) => {
      const v = s.values[j] ?? NaN;
      if (!Number.isFinite(v)) return;
      const bx = M.left + groupW * j + groupW * 0.15 + barW * i;
      body.push(
        `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${
          (M.top + plotH - y(v)).toFixed(1)
        }" fill="${COLORS[i % COLORS.length]}"/>`,
      );
    });
  });
  return frame(spec, top, step, body, axis);
}
