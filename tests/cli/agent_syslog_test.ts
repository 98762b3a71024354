/**
 * `serfts agent -syslog` in-process, with the syslog path injected through
 * RunAgentOptions.syslogPaths: lines arrive while the agent runs, and a SIGHUP
 * that changes log_level filters syslog as it filters the console (Serf's
 * syslog writer shares the console's level filter).
 */
import assert from "node:assert/strict";
import { runAgent } from "../../lib/cli/agent_command.ts";
import { freePort } from "../interop/_serf.ts";
import { testPlatform, waitUntil } from "../agent/_records.ts";
import { SyslogCapture } from "../agent/_syslog_capture.ts";

Deno.test("serfts agent -syslog follows a SIGHUP log_level change on its syslog lines", async () => {
  const capture = await SyslogCapture.open();
  const dir = await Deno.makeTempDir({ prefix: "serfts-syslog-reload-" });
  const config = `${dir}/agent.json`;
  let stdout = "";
  const platform = { ...testPlatform(), writeStdout: (t: string) => void (stdout += t) };
  try {
    await Deno.writeTextFile(config, JSON.stringify({ log_level: "info" }));
    const done = runAgent(
      [
        "-syslog",
        `-config-file=${config}`,
        "-node=syslog-reload",
        `-bind=127.0.0.1:${freePort()}`,
        `-rpc-addr=127.0.0.1:${freePort()}`,
      ],
      platform,
      { syslogPaths: [`${dir}/missing.sock`, capture.path] },
    );
    const sawJoin = await waitUntil(
      () => capture.messages.some((m) => m.includes("agent: Received event: member-join")),
      15_000,
    );
    assert.ok(sawJoin, `no member-join line in syslog:\n${capture.messages.join("")}\n${stdout}`);
    assert.ok(capture.lines().every((l) => l.tag === "serf" && l.pid === Deno.pid));
    assert.ok(capture.lines().some((l) => l.pri === 133 && l.message === "agent: Serf agent starting"));

    await Deno.writeTextFile(config, JSON.stringify({ log_level: "warn" }));
    const before = capture.messages.length;
    // Signals are handled in order: the reload completes before SIGTERM stops the agent (without a leave).
    platform.fire("SIGHUP");
    platform.fire("SIGTERM");
    assert.equal(await done, 1);
    assert.ok(
      await waitUntil(
        () => capture.messages.some((m) => m.includes("serf: Shutdown without a Leave")),
        5_000,
      ),
      capture.messages.join(""),
    );
    const after = capture.lines().slice(before);
    assert.deepEqual(after.map((l) => `<${l.pri}>${l.message}`), ["<132>serf: Shutdown without a Leave"]);
  } finally {
    await capture.close();
    await Deno.remove(dir, { recursive: true });
  }
});
