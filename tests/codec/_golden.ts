/**
 * Test helpers for the golden vectors produced by `scripts/golden/main.go`.
 *
 * The committed JSON files are enough for byte-equality and decode tests. The
 * round-trip tests (Go decodes what we encode) need the Go tool: they use
 * `scripts/golden/golden` if it was built, build it with `go` when Go and the
 * Debian sources are installed (as in CI), and otherwise are skipped with a
 * message saying why; with `SERFTS_REQUIRE_REFERENCE=1` (CI) they fail instead.
 *
 * @module
 */
import { buildGoTool, type GoTool } from "../_go_tool.ts";

export { type GoTool, reportSkip, toolPath } from "../_go_tool.ts";

const ROOT = new URL("../../", import.meta.url);
const GOLDEN_DIR = new URL("tests/data/golden/", ROOT);
const TOOL_DIR = new URL("scripts/golden/", ROOT);
const GO_SOURCES = "github.com/hashicorp/go-msgpack/codec";

/** One vector as the generator writes it; which optional fields appear depends on `kind`. */
export interface GoldenVector {
  name: string;
  kind: string;
  hex: string;
  /** Go struct fields after decoding (byte fields as hex). */
  fields?: Record<string, unknown>;
  /** Compound parts as hex. */
  parts?: string[];
  /** The wrapped or compressed payload as hex. */
  payload?: string;
  /** For msgpack.json: the value in a JSON-friendly form. */
  value?: unknown;
  /** Bytes Go accepts but serfts never writes. */
  decodeOnly?: boolean;
}

/** Loads `tests/data/golden/<file>`. */
export function loadVectors(file: "memberlist.json" | "msgpack.json"): GoldenVector[] {
  const text = Deno.readTextFileSync(new URL(file, GOLDEN_DIR));
  return (JSON.parse(text) as { vectors: GoldenVector[] }).vectors;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

let toolPromise: Promise<GoTool> | undefined;

/** Finds or builds the Go golden tool (scripts/golden/golden) once per test process. */
export function goldenTool(): Promise<GoTool> {
  toolPromise ??= buildGoTool(TOOL_DIR, "golden", {
    needs: [GO_SOURCES],
    binary: new URL("golden", TOOL_DIR).pathname,
  });
  return toolPromise;
}

/**
 * Asks Go to decode each `[kind, bytes]` and returns its JSON answers in order
 * (an object with `error` when Go refused the input).
 */
export async function goDecode(
  toolPath: string,
  items: [string, Uint8Array][],
): Promise<Record<string, unknown>[]> {
  const child = new Deno.Command(toolPath, { args: ["decode-batch"], stdin: "piped", stdout: "piped" })
    .spawn();
  // Collect output while writing: Go answers line by line and would block on a full stdout pipe.
  const output = child.output();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(items.map(([kind, b]) => `${kind} ${toHex(b)}\n`).join("")));
  await writer.close();
  const out = await output;
  if (!out.success) throw new Error(`golden decode-batch exited with ${out.code}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}
