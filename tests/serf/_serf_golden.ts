/**
 * Test helpers for Serf's golden vectors (`scripts/golden/serf/main.go`).
 *
 * The committed `tests/data/golden/serf.json` is enough for byte-equality and
 * decode tests. Round trips through Go need the tool: it is built once into the
 * system temp directory (it is not committed, and the repository's ignore list
 * only covers the memberlist tool) when Go and the Debian sources are present,
 * and otherwise the Go tests are skipped with a message saying why (with
 * `SERFTS_REQUIRE_REFERENCE=1`, as in CI, they fail instead).
 *
 * @module
 */
import { buildGoTool, type GoTool } from "../_go_tool.ts";

const ROOT = new URL("../../", import.meta.url);
const SOURCE_DIR = new URL("scripts/golden/serf/", ROOT);
const GO_SOURCES = [
  "github.com/hashicorp/go-msgpack/codec",
  "github.com/hashicorp/serf/coordinate",
];

/** One vector as the generator writes it. */
export interface SerfVector {
  name: string;
  kind: string;
  hex: string;
  /** Every encoding Go produced, when a map made the order vary. */
  hexVariants?: string[];
  /** What Go decodes (byte fields as hex); an array for node filters, null for a nil member. */
  fields: unknown;
  /** Bytes Go accepts but serfts never writes (nil slots, nil slices Serf never sends). */
  decodeOnly?: boolean;
}

/** Loads `tests/data/golden/serf.json`. */
export function loadSerfVectors(): SerfVector[] {
  const text = Deno.readTextFileSync(new URL("tests/data/golden/serf.json", ROOT));
  return (JSON.parse(text) as { vectors: SerfVector[] }).vectors;
}

/** True if `hex` is one of Go's encodings of the vector. */
export function matchesGo(hex: string, v: { hex?: unknown; hexVariants?: unknown }): boolean {
  const all = Array.isArray(v.hexVariants) ? v.hexVariants : [v.hex];
  return all.includes(hex);
}

let toolPromise: Promise<GoTool> | undefined;

/** Finds or builds the Go tool once per test process. */
export function serfGoldenTool(): Promise<GoTool> {
  toolPromise ??= buildGoTool(SOURCE_DIR, "golden-serf", { needs: GO_SOURCES });
  return toolPromise;
}
