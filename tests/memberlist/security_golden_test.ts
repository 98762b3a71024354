/**
 * Interop with Go: builds scripts/golden/security (a Go re-statement of
 * memberlist's encryption format using crypto/aes and crypto/cipher) and checks
 * that it agrees with lib/memberlist/security.ts in both directions, and that
 * the committed golden vectors are current. Skipped, with a visible note, when
 * `go` is not on PATH (failed instead under SERFTS_REQUIRE_REFERENCE=1, as in CI); security_test.ts covers the committed vectors anyway.
 */
import assert from "node:assert/strict";
import { decryptPayload, type EncryptionVersion, encryptPayload } from "../../lib/memberlist/security.ts";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";

const sourceDir = new URL("../../scripts/golden/security/", import.meta.url).pathname;
const goldenFile = new URL("../data/golden/security.json", import.meta.url);

async function hasGo(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("go", { args: ["version"], stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

const goAvailable = await hasGo();
if (!goAvailable) console.warn("security_golden_test: skipping Go interop tests: `go` is not on PATH");

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs the built oracle with `args`, feeding `input` on stdin; returns stdout. */
async function runOracle(bin: string, args: string[], input = ""): Promise<string> {
  const child = new Deno.Command(bin, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  // Feed stdin while draining stdout, or both pipes fill up and deadlock.
  const feeding = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  })();
  const [res] = await Promise.all([child.output(), feeding]);
  if (!res.success) throw new Error(`Go oracle failed: ${new TextDecoder().decode(res.stderr)}`);
  return new TextDecoder().decode(res.stdout);
}

function lines(out: string): Record<string, string>[] {
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

const cases: { version: EncryptionVersion; key: Uint8Array; plain: Uint8Array; ad: Uint8Array }[] = [];
for (const size of [16, 24, 32]) {
  for (const version of [0, 1] as const) {
    for (const len of [0, 1, 16, 47, 1_400, 20_000]) {
      cases.push({
        version,
        key: Uint8Array.from({ length: size }, (_, i) => (i * 13 + size) & 255),
        plain: Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 255),
        ad: len % 2 ? Uint8Array.of(10, 0, 0, len & 255, 7) : new Uint8Array(0),
      });
    }
  }
}

Deno.test({
  name: "security.ts interoperates with Go's AES-GCM in both directions",
  // In CI (SERFTS_REQUIRE_REFERENCE=1) a missing Go fails the build step below instead of skipping.
  ignore: !goAvailable && !REQUIRE_REFERENCE,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "serfts-secgold-" });
    try {
      const bin = `${dir}/secgold`;
      const env: Record<string, string> = { GO111MODULE: "off", GOPATH: "/usr/share/gocode", GOPROXY: "off" };
      if (!Deno.env.get("HOME") && !Deno.env.get("GOCACHE")) env.GOCACHE = `${dir}/cache`;
      const build = await new Deno.Command("go", { args: ["build", "-o", bin, "."], cwd: sourceDir, env })
        .output();
      assert.ok(build.success, `Cannot build Go oracle: ${new TextDecoder().decode(build.stderr)}`);

      await t.step("Go regenerates the committed golden vectors byte for byte", async () => {
        assert.equal(await runOracle(bin, ["gen"]), await Deno.readTextFile(goldenFile));
      });

      await t.step("Go decrypts what encryptPayload produces", async () => {
        const wrongKey = toHex(new Uint8Array(32).fill(0xaa));
        const input = cases.map((c) =>
          JSON.stringify({
            keys: [wrongKey, toHex(c.key)],
            payload: toHex(encryptPayload(c.version, c.key, c.plain, c.ad)),
            additionalData: toHex(c.ad),
          })
        ).join("\n");
        const results = lines(await runOracle(bin, ["decrypt-batch"], input));
        assert.equal(results.length, cases.length);
        for (const [i, c] of cases.entries()) {
          assert.deepEqual(results[i], { plaintext: toHex(c.plain) }, `case ${i}`);
        }
      });

      await t.step("decryptPayload opens what Go encrypts with random nonces", async () => {
        const input = cases.map((c) =>
          JSON.stringify({
            version: c.version,
            key: toHex(c.key),
            plaintext: toHex(c.plain),
            additionalData: toHex(c.ad),
          })
        ).join("\n");
        const results = lines(await runOracle(bin, ["encrypt-batch"], input));
        assert.equal(results.length, cases.length);
        for (const [i, c] of cases.entries()) {
          const payload = hex(results[i]!.payload!);
          assert.deepEqual(decryptPayload([c.key], payload, c.ad), c.plain, `case ${i}`);
        }
      });

      await t.step("Go rejects our payload when the additional data differs", async () => {
        const c = cases[3]!;
        const input = JSON.stringify({
          keys: [toHex(c.key)],
          payload: toHex(encryptPayload(c.version, c.key, c.plain, Uint8Array.of(1))),
          additionalData: toHex(Uint8Array.of(2)),
        });
        assert.deepEqual(lines(await runOracle(bin, ["decrypt-batch"], input)), [{
          error: "no key could decrypt",
        }]);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
