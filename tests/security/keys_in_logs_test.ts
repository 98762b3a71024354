/**
 * Security: encryption keys never reach a log. Two agents at trace level, one
 * started with -encrypt and one with a keyring file, join, rotate keys through
 * RPC and the CLI (install, use, remove, a refused removal of the primary, a
 * malformed key), then leave; neither their output nor a trace-level
 * `monitor` stream may contain any key, in base64 with or without padding,
 * nor hex.
 */
import assert from "node:assert/strict";
import { encodeKeyBase64 } from "../../lib/memberlist/keyring.ts";
import { saveKeyringFile } from "../../lib/serf/keyring_file.ts";
import { runOurs } from "../cli/_cli.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { connectWhenReady, startAgentProcess } from "../interop/_serfts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The spellings of a key someone could find in a log. */
function spellings(key: Uint8Array): string[] {
  const b64 = encodeKeyBase64(key);
  const hex = [...key].map((b) => b.toString(16).padStart(2, "0")).join("");
  return [b64, b64.replace(/=+$/, ""), hex];
}

Deno.test({
  name: "Keys never appear in agent output or a trace monitor stream while keys rotate",
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-keys-logs-" });
    const keys = [1, 2, 3, 4].map(() => crypto.getRandomValues(new Uint8Array(32)));
    const [k1, k2, k3, k4] = keys.map(encodeKeyBase64) as [string, string, string, string];
    saveKeyringFile(`${dir}/keyring.json`, [keys[0]!]);
    const aPort = freePort();
    const a = startAgentProcess([
      "-node=keys-a",
      `-bind=127.0.0.1:${aPort}`,
      `-encrypt=${k1}`,
      "-log-level=trace",
    ]);
    const b = startAgentProcess([
      "-node=keys-b",
      `-bind=127.0.0.1:${freePort()}`,
      `-keyring-file=${dir}/keyring.json`,
      "-log-level=trace",
    ]);
    const monitored: string[] = [];
    try {
      const ca = await connectWhenReady(a);
      const cb = await connectWhenReady(b);
      await ca.monitor("trace", (line) => monitored.push(line));
      await cb.join([`127.0.0.1:${aPort}`]);
      assert.ok(await waitFor(async () => (await ca.members()).length === 2, 20_000), a.output());

      await ca.installKey(k2);
      await cb.useKey(k2);
      await ca.removeKey(k1);
      // Refusals carry messages from every node: they must not quote the key either.
      const refused = [await ca.removeKey(k2), await ca.installKey(k3.slice(0, 10)).catch((e) => e)];
      assert.ok(
        refused.every((r) => r instanceof Error || r.error),
        "removing the primary or a bad key fails",
      );
      for (const args of [["-install", k3], ["-use", k3], ["-remove", k2], ["-install", k4], ["-list"]]) {
        const r = await runOurs(["keys", `-rpc-addr=${b.rpcAddr}`, ...args]);
        assert.equal(r.code, 0, `keys ${args.join(" ")}: ${r.stdout}${r.stderr}`);
      }
      const listed = await cb.listKeys();
      assert.deepEqual(Object.keys(listed.keys).sort(), [k3, k4].sort());
      ca.close();
      cb.close();
      await Promise.all([a.stop("SIGINT"), b.stop("SIGINT")]);

      const logs = [
        a.output(),
        b.output(),
        monitored.join("\n"),
        JSON.stringify(refused, (_, v) => v instanceof Error ? v.message : v),
      ];
      assert.ok(
        logs[0]!.includes("[TRACE]") || logs[0]!.includes("[DEBUG]"),
        "trace-level output was captured",
      );
      assert.ok(monitored.length > 0, "the monitor stream carried lines");
      for (const [i, key] of keys.entries()) {
        for (const spelling of spellings(key)) {
          for (const [j, log] of logs.entries()) {
            assert.ok(!log.includes(spelling), `key ${i + 1} (${spelling}) appears in log ${j}`);
          }
        }
      }
    } finally {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
