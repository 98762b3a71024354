/**
 * Runs `bun_smoke.ts` under the Bun binary from node_modules, so `deno test` also covers
 * BunTransport. Ignored, with a visible message, when Bun is not installed.
 */
const bunPath = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const smokePath = new URL("./bun_smoke.ts", import.meta.url).pathname;
/** Bounds the child: the smoke script's own watchdog is 20 s. */
const CHILD_TIMEOUT_MS = 60_000;

function bunInstalled(): boolean {
  try {
    return Deno.statSync(bunPath).isFile;
  } catch {
    return false;
  }
}

const haveBun = bunInstalled();
if (!haveBun) console.warn(`bun_smoke_test: SKIPPED: no Bun binary at ${bunPath} (run npm install)`);

Deno.test({
  name: "BunTransport passes its smoke script under Bun",
  ignore: !haveBun,
  async fn() {
    const child = new Deno.Command(bunPath, {
      args: ["run", smokePath],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
    });
    const { code, stdout, stderr } = await child.output();
    const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    if (code !== 0) throw new Error(`bun_smoke.ts exited with ${code}:\n${out}`);
    if (!out.includes("bun_smoke: all checks passed")) throw new Error(`Unexpected smoke output:\n${out}`);
  },
});
