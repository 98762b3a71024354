/**
 * The built binary (`deno task build`; Bun's when deno compile cannot run)
 * sends the same syslog lines as the real serf: its datagrams go through a
 * different socket implementation (bun:ffi) than `deno run`'s. The binary is
 * pointed at the test's socket with SERFTS_SYSLOG_PATHS, so it needs no
 * namespace; the real serf, which only knows its fixed paths, runs in one.
 */
import assert from "node:assert/strict";
import { ensureBinary } from "../_binary.ts";
import { findSerf, freePort } from "../interop/_serf.ts";
import {
  comparableRuns,
  inSyslogNamespace,
  namespaceSupport,
  retryScenarioFlags,
  runToExit,
  SyslogCapture,
} from "../agent/_syslog_capture.ts";

const serf = findSerf();
const support = await namespaceSupport();
if (!support.ok) console.log(`SKIPPED syslog binary test: ${support.reason}`);
if (!serf) console.log("SKIPPED syslog binary test: serf is not installed");

Deno.test({
  name: "Build: dist/serfts -syslog sends the same lines as serf agent -syslog",
  ignore: !support.ok || !serf,
  async fn() {
    const binary = await ensureBinary();

    const [oursCapture, realCapture] = [await SyslogCapture.open(), await SyslogCapture.open()];
    try {
      const deadPort = freePort();
      const flags =
        () => ["-syslog", "-log-level=debug", ...retryScenarioFlags(freePort(), freePort(), deadPort)];
      const env = {
        PATH: "/usr/bin:/bin",
        SERFTS_SYSLOG_PATHS: `${oursCapture.dir}/missing:${oursCapture.path}`,
      };
      const [real, ours] = await Promise.all([
        runToExit(inSyslogNamespace(realCapture.path, [serf!, "agent", ...flags()])),
        runToExit([binary, "agent", ...flags()], env),
      ]);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(ours.code, 1, ours.stdout);
      const oursLines = oursCapture.lines();
      const realLines = realCapture.lines();
      assert.ok(realLines.length >= 10, real.stdout);
      assert.ok(
        oursLines.every((l) => l.tag === "serf" && l.pid === ours.pid),
        oursCapture.messages.join(""),
      );
      const compared = comparableRuns(oursLines, realLines);
      assert.deepEqual(compared.ours, compared.real);
    } finally {
      await oursCapture.close();
      await realCapture.close();
    }
  },
});
