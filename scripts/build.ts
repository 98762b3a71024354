/**
 * Builds the single `dist/serfts` executable. Tries `deno compile` first; when
 * Deno cannot fetch its runtime base (no network to its download host), falls
 * back to `bun build --compile` (flags below), which embeds the running Bun. Says which one
 * produced the binary, then smoke-tests it with `serfts version`.
 *
 * Run: `deno task build`
 */

/**
 * Chosen by measurement (docs/footprint.md):
 * - `--compile-jit-policy=10`: functions tier up to JSC's JIT after 10x the
 *   usual number of calls. An agent's protocol code runs a few times a second,
 *   so compiling it early bought nothing: in an 8-agent cluster the default
 *   policy spent ~2x serf's CPU in its first minute (JIT threads) and held
 *   ~4 MB more RSS; RPC bursts still reach the JIT.
 * - `--bytecode --format=esm`: ships precompiled bytecode, so start-up skips
 *   parsing the bundle (ESM keeps the entry point's top-level await).
 */
const BUN_COMPILE_FLAGS = ["--compile-jit-policy=10", "--bytecode", "--format=esm"];

const root = new URL("..", import.meta.url).pathname;
const out = `${root}dist/serfts`;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ ok: boolean; log: string }> {
  try {
    const r = await new Deno.Command(cmd, { args, cwd: root, stdout: "piped", stderr: "piped", env })
      .output();
    const log = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    return { ok: r.success, log };
  } catch (err) {
    return { ok: false, log: String(err) };
  }
}

await Deno.mkdir(`${root}dist`, { recursive: true });
const denoPath = Deno.execPath();
let used = "";
const deno = await run(denoPath, [
  "compile",
  "--allow-all",
  "--unstable-net",
  "--no-check",
  "--output",
  out,
  "cli.ts",
]);
if (deno.ok) {
  used = "deno compile";
} else {
  const reason = deno.log.split("\n").find((l) => /error/i.test(l))?.trim() ??
    "unknown error";
  console.log(`deno compile failed (${reason}); falling back to bun build --compile`);
  const bun = await run(bin("bun"), ["build", "--compile", ...BUN_COMPILE_FLAGS, "cli.ts", "--outfile", out]);
  if (!bun.ok) {
    console.error(`bun build --compile failed:\n${bun.log}`);
    Deno.exit(1);
  }
  used = "bun build --compile";
}
const check = await run(out, ["version"]);
if (!check.ok) {
  console.error(`The built binary does not run:\n${check.log}`);
  Deno.exit(1);
}
const size = (await Deno.stat(out)).size;
console.log(`Built ${out} with ${used} (${(size / 1e6).toFixed(0)} MB): ${check.log.split("\n")[0]}`);
