/**
 * Test helpers for Serf's golden vectors (`scripts/golden/serf/main.go`).
 *
 * The committed `tests/data/golden/serf.json` is enough for byte-equality and
 * decode tests. Round trips through Go need the tool: it is built once into the
 * system temp directory (it is not committed, and the repository's ignore list
 * only covers the memberlist tool) when Go and the Debian sources are present,
 * and otherwise the Go tests are skipped with a message saying why.
 *
 * @module
 */
import { tmpdir } from "node:os";
import type { GoTool } from "../codec/_golden.ts";

const ROOT = new URL("../../", import.meta.url);
const SOURCE_DIR = new URL("scripts/golden/serf/", ROOT);
const GO_SOURCES = [
  "/usr/share/gocode/src/github.com/hashicorp/go-msgpack/codec",
  "/usr/share/gocode/src/github.com/hashicorp/serf/coordinate",
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
  toolPromise ??= build();
  return toolPromise;
}

async function mtime(path: string | URL): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return undefined;
  }
}

async function build(): Promise<GoTool> {
  const uid = Deno.uid() ?? "user";
  const binary = `${tmpdir()}/serfts-golden-serf-${uid}/golden-serf`;
  const source = new URL("main.go", SOURCE_DIR);
  const [bin, src] = await Promise.all([mtime(binary), mtime(source)]);
  if (bin !== undefined && src !== undefined && bin >= src) return { path: binary };
  for (const dir of GO_SOURCES) {
    if ((await mtime(dir)) === undefined) {
      return { skip: `Go sources not found at ${dir} (install the golang-github-hashicorp-*-dev packages)` };
    }
  }
  try {
    await Deno.mkdir(binary.slice(0, binary.lastIndexOf("/")), { recursive: true });
    const out = await new Deno.Command("go", {
      args: ["build", "-o", binary, "main.go"],
      cwd: SOURCE_DIR.pathname,
      env: { GO111MODULE: "off", GOPATH: "/usr/share/gocode", GOPROXY: "off", GOFLAGS: "-mod=mod" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) return { skip: `go build failed: ${new TextDecoder().decode(out.stderr).trim()}` };
    return { path: binary };
  } catch (err) {
    return { skip: `go is not available: ${err instanceof Error ? err.message : String(err)}` };
  }
}
