/**
 * Output helpers shared by the CLI commands, reproducing what Serf's CLI prints
 * byte for byte: its UI writes everything (errors included) to stdout with a
 * newline, tables are aligned like the `columnize` package does, and JSON is
 * indented and escaped like Go's `json.MarshalIndent`.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";

/**
 * Serf's command UI: `output`, `info` and `error` all go to stdout (Serf's CLI
 * gives its UI no separate error writer), each message followed by a newline.
 * An optional prefix for `info` mirrors `serf keys`, which prints info as `==> ...`.
 */
export class Ui {
  #platform: Platform;
  #infoPrefix: string;

  constructor(platform: Platform, options: { infoPrefix?: string } = {}) {
    this.#platform = platform;
    this.#infoPrefix = options.infoPrefix ?? "";
  }

  output(message: string): void {
    this.#platform.writeStdout(`${message}\n`);
  }

  info(message: string): void {
    this.output(`${this.#infoPrefix}${message}`);
  }

  error(message: string): void {
    this.output(message);
  }
}

/** Visible width as Go's `fmt` counts it for padding: code points, not UTF-16 units. */
function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Aligns `|`-separated lines into columns separated by two spaces, trimming
 * each cell; the last cell of a line is not padded. Same output as the Go
 * `columnize.SimpleFormat` Serf uses for `members` and `keys`.
 *
 * @example
 * ```ts
 * import { columnize } from "./output.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   columnize(["a|127.0.0.1:7946|alive", "long-name|10.0.0.2:7946|failed"]),
 *   "a          127.0.0.1:7946  alive\nlong-name  10.0.0.2:7946   failed",
 * );
 * ```
 */
export function columnize(lines: readonly string[]): string {
  const rows = lines.map((line) => line.split("|").map((cell) => cell.trim()));
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, runeLength(cell)));
  }
  return rows.map((row) =>
    row.map((
      cell,
      i,
    ) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - runeLength(cell)) + "  "))
      .join("")
  ).join("\n");
}

/**
 * JSON as Go's `json.MarshalIndent(v, "", "  ")` writes it: two-space indent and
 * `<`, `>`, `&`, U+2028, U+2029 escaped. Map key order is the caller's job
 * (Go sorts map keys; struct fields keep their declared order).
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** Returns a copy of a string map with keys sorted, as Go's JSON encoder orders map keys. */
export function sortedMap<T>(map: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(map).sort(compareBytes)) out[k] = map[k]!;
  return out;
}

/** Go's string order: by UTF-8 bytes, which code-point order matches (UTF-16 order does not). */
export function compareBytes(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Renders `data` as Serf's `-format` flag asks: "json" or "text" (via `text`),
 * with surrounding whitespace trimmed as Serf does.
 * @throws {RangeError} `Invalid output format "<format>"` for anything else
 */
export function formatOutput(format: string, json: () => unknown, text: () => string): string {
  if (format === "json") return goJson(json()).trim();
  if (format === "text") return text().trim();
  throw new RangeError(`Invalid output format "${format}"`);
}

/** Payload bytes printed as Go's `%s` does (UTF-8 text; invalid sequences become U+FFFD). */
export function bytesText(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/**
 * Go's `%.<digits>f`: like `toFixed`, except that an exact tie rounds to even
 * (Go rounds the exact binary value half-to-even; `toFixed` rounds ties up).
 */
export function goFixed(x: number, digits: number): string {
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return x.toFixed(digits);
  const kept = exact.slice(0, dot + 1 + digits);
  const lastDigit = Number(kept[kept.length - 1] === "." ? kept[kept.length - 2] : kept[kept.length - 1]);
  const truncated = (x < 0 ? "-" : "") + (digits === 0 ? kept.slice(0, -1) : kept);
  return lastDigit % 2 === 0 ? truncated : x.toFixed(digits);
}
