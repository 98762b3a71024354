/**
 * The compiled agent for tests that run it: `dist/serfts`, built by
 * scripts/build.ts (deno compile, or bun build --compile when deno compile
 * cannot run) only when it is missing or older than the sources, so the tests
 * that need it share one build per run.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;

/** Where the build script puts the agent. */
export const SERFTS_BINARY = `${root}dist/serfts`;

async function mtime(path: string): Promise<number> {
  return (await Deno.stat(path).catch(() => undefined))?.mtime?.getTime() ?? 0;
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory ? await newestSource(path) : await mtime(path));
  }
  return newest;
}

/** Runs scripts/build.ts; fails the test with the build's output when it fails. @returns the build's output */
export async function buildBinary(): Promise<string> {
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}scripts/build.ts`],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(300_000),
  }).output();
  const dec = new TextDecoder();
  const log = dec.decode(build.stdout) + dec.decode(build.stderr);
  assert.equal(build.code, 0, log);
  return log;
}

/** Builds dist/serfts unless it is newer than every source file. @returns its path */
export async function ensureBinary(): Promise<string> {
  const sources = Math.max(await newestSource(`${root}lib`), await mtime(`${root}cli.ts`));
  if (await mtime(SERFTS_BINARY) <= sources) await buildBinary();
  return SERFTS_BINARY;
}
