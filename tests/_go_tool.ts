/**
 * Builds the Go reference tools under scripts/golden/ for the tests.
 *
 * Locally, without Go or the Debian sources, a tool is reported unavailable
 * and the tests that need it are skipped with a visible message. In CI
 * (`SERFTS_REQUIRE_REFERENCE=1`, set by .ci/run) everything is installed, so a
 * missing tool or a failed build is a test failure, never a skip.
 *
 * @module
 */
import { tmpdir } from "node:os";

/** True when the reference (serf, Go, Bun, namespaces) must be present: CI. */
export const REQUIRE_REFERENCE = Deno.env.get("SERFTS_REQUIRE_REFERENCE") === "1";

/** The Go tool's path, or the reason it is unavailable. */
export type GoTool = { path: string } | { skip: string };

const GOPATH = "/usr/share/gocode";

async function mtime(path: string | URL): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return undefined;
  }
}

/** Options for {@linkcode buildGoTool}. */
export interface BuildGoToolOptions {
  /** Source directories under GOPATH that must exist (named in the skip message). */
  needs?: string[];
  /** Where to put the binary. @default a per-user directory under the system temp dir */
  binary?: string;
}

/**
 * Builds the Go program in `sourceDir` (GOPATH mode, offline) unless an up to
 * date binary exists, and returns its path or why it could not be built.
 */
export async function buildGoTool(
  sourceDir: URL,
  name: string,
  options: BuildGoToolOptions = {},
): Promise<GoTool> {
  const binary = options.binary ?? `${tmpdir()}/serfts-golden-${Deno.uid() ?? "user"}/${name}`;
  const sources: number[] = [];
  for await (const entry of Deno.readDir(sourceDir)) {
    if (entry.isFile && entry.name.endsWith(".go")) {
      sources.push((await mtime(new URL(entry.name, sourceDir)))!);
    }
  }
  const built = await mtime(binary);
  if (built !== undefined && sources.length > 0 && sources.every((t) => built >= t)) return { path: binary };
  for (const dir of options.needs ?? []) {
    if ((await mtime(`${GOPATH}/src/${dir}`)) === undefined) {
      return {
        skip:
          `Go sources not found at ${GOPATH}/src/${dir} (install the golang-github-hashicorp-*-dev packages)`,
      };
    }
  }
  try {
    await Deno.mkdir(binary.slice(0, binary.lastIndexOf("/")), { recursive: true });
    const env: Record<string, string> = { GO111MODULE: "off", GOPATH, GOPROXY: "off", GOFLAGS: "-mod=mod" };
    if (!Deno.env.get("HOME") && !Deno.env.get("GOCACHE")) env.GOCACHE = `${tmpdir()}/serfts-gocache`;
    const out = await new Deno.Command("go", {
      args: ["build", "-o", binary, "."],
      cwd: sourceDir.pathname,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) return { skip: `go build failed: ${new TextDecoder().decode(out.stderr).trim()}` };
    return { path: binary };
  } catch (err) {
    return { skip: `go is not available: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Decides whether the tests needing `tool` are ignored: locally they are, with
 * a printed reason; with `SERFTS_REQUIRE_REFERENCE=1` they run and fail in
 * {@linkcode toolPath}.
 */
export function reportSkip(testName: string, tool: GoTool): boolean {
  if (!("skip" in tool)) return false;
  if (REQUIRE_REFERENCE) {
    console.error(`FAILING ${testName}: the reference is required in CI: ${tool.skip}`);
    return false;
  }
  console.warn(`SKIPPED ${testName}: ${tool.skip}`);
  return true;
}

/** The tool's path; throws (failing the test) when it could not be built. */
export function toolPath(tool: GoTool): string {
  if ("skip" in tool) throw new Error(`Go reference tool unavailable: ${tool.skip}`);
  return tool.path;
}
