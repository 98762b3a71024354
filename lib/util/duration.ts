/**
 * Go's duration strings (`30s`, `1h2m`, `1.5ms`), as Serf's config files and
 * flags accept them and as its log lines print them. Parsing keeps Go's error
 * text so an operator sees the same message from either agent.
 *
 * @module
 */

const NS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n, // U+00B5 micro sign
  "μs": 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's int64 nanosecond limit. */
const MAX_NS = (1n << 63n) - 1n;

/**
 * Parses a Go duration into milliseconds (fractions kept down to nanoseconds).
 *
 * @example
 * ```ts
 * import { parseGoDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseGoDuration("1h2m"), 3_720_000);
 * assert.equal(parseGoDuration("1.5ms"), 1.5);
 * ```
 * @throws {SyntaxError} with Go's message, e.g. `time: invalid duration "xx"`
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  const invalid = () => new SyntaxError(`time: invalid duration ${quoted}`);
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let totalNs = 0n;
  while (s !== "") {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, intPart = "", fracPart] = m;
    if (intPart === "" && (fracPart === undefined || fracPart === "")) throw invalid();
    s = s.slice(whole.length);
    const unitMatch = /^[^\d.]*/.exec(s)!;
    const unit = unitMatch[0];
    if (unit === "") throw new SyntaxError(`time: missing unit in duration ${quoted}`);
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined) {
      throw new SyntaxError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    }
    s = s.slice(unit.length);
    let ns = BigInt(intPart || "0") * scale;
    if (fracPart) {
      // Go truncates the fraction towards zero at nanosecond precision.
      ns += (BigInt(fracPart) * scale) / 10n ** BigInt(fracPart.length);
    }
    totalNs += ns;
    if (totalNs > MAX_NS) throw invalid();
  }
  const ms = Number(totalNs) / 1e6;
  return negative ? -ms : ms;
}

/**
 * Formats milliseconds the way Go prints a `time.Duration` (`1m0s`, `500ms`, `0s`).
 *
 * @example
 * ```ts
 * import { formatGoDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatGoDuration(30_000), "30s");
 * assert.equal(formatGoDuration(90_000), "1m30s");
 * ```
 */
export function formatGoDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  const negative = ns < 0n;
  if (negative) ns = -ns;
  const sign = negative ? "-" : "";
  if (ns === 0n) return "0s";
  if (ns < 1_000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${fraction(ns, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${fraction(ns, 6)}ms`;
  const seconds = ns % 60_000_000_000n;
  const minutesTotal = ns / 60_000_000_000n;
  let out = `${fraction(seconds, 9)}s`;
  if (minutesTotal > 0n) {
    out = `${minutesTotal % 60n}m${out}`;
    const hours = minutesTotal / 60n;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return sign + out;
}

/** `value / 10^digits` with trailing zeros (and a bare point) removed. */
function fraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = value / scale;
  const frac = (value % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}
