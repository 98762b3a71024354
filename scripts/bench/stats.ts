/** Small statistics and formatting helpers for the benchmark tables. */

/** Median of the finite values, or NaN when there are none. */
export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** `a / b`, or NaN when either is missing or `b` is zero. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** A number with `digits` decimals, or "n/a" when it is not finite. */
export function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** A ratio as "1.23x", or "n/a". */
export function fmtRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `pred` every `everyMs` until it holds or `maxMs` passed.
 * @returns whether it held
 */
export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  maxMs: number,
  everyMs = 20,
): Promise<boolean> {
  const end = performance.now() + maxMs;
  while (performance.now() < end) {
    if (await pred()) return true;
    await sleep(everyMs);
  }
  return await pred();
}

/** Wall-clock time in milliseconds with sub-millisecond precision (comparable with `date +%s%N`). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The least-squares slope of `y` over `x` (units of y per unit of x), or NaN
 * with fewer than two distinct x values.
 */
export function leastSquaresSlope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}
