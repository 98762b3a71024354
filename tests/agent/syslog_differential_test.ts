/**
 * `serfts agent -syslog` against the real `serf agent -syslog`: both run in a
 * private mount namespace where Serf's fixed syslog paths lead to a socket
 * the test owns, so serfts is also checked on its default path list. Same
 * PRI for the same level, the same line format (time and pid checked, not
 * just masked), the same messages, and the same start-up errors.
 */
import assert from "node:assert/strict";
import { syslogTimestamp } from "../../lib/agent/syslog_format.ts";
import { findSerf, freePort } from "../interop/_serf.ts";
import {
  type AgentRun,
  comparable,
  comparableRuns,
  inSyslogNamespace,
  namespaceSupport,
  retryScenarioFlags,
  runToExit,
  SyslogCapture,
  type SyslogLine,
} from "./_syslog_capture.ts";

const serf = findSerf();
const support = await namespaceSupport();
if (!support.ok) console.log(`SKIPPED syslog differential tests: ${support.reason}`);
if (!serf) console.log("SKIPPED syslog differential tests: serf is not installed");
const cli = new URL("../../cli.ts", import.meta.url).pathname;

/** argv for each agent; `flags` follow `agent`. */
const AGENTS = {
  serf: (flags: string[]) => [serf!, "agent", ...flags],
  serfts: (flags: string[]) => [Deno.execPath(), "run", "-A", "--unstable-net", cli, "agent", ...flags],
};
type Which = keyof typeof AGENTS;

/** Serf's level, as printed on the console, to the PRI it must have with LOCAL0 (16 * 8 + severity). */
const LOCAL0_PRI: Record<string, number> = { TRACE: 135, DEBUG: 134, INFO: 133, WARN: 132, ERR: 131 };

/** Runs one agent to its own exit with its syslog captured; returns the run and the parsed lines. */
async function runCaptured(which: Which, flags: string[]): Promise<{ run: AgentRun; lines: SyslogLine[] }> {
  const capture = await SyslogCapture.open();
  try {
    const run = await runToExit(inSyslogNamespace(capture.path, AGENTS[which](flags)));
    // Datagrams are in the socket's queue once the sender's send returned; give the receive loop a turn.
    await new Promise((r) => setTimeout(r, 50));
    return { run, lines: capture.lines() };
  } finally {
    await capture.close();
  }
}

/** Format checks that need no masking: tag, the agent's own pid, a timestamp from the run's time span. */
function assertWellFormed(which: Which, run: AgentRun, lines: SyslogLine[], startMs: number, endMs: number) {
  const stamps = new Set<string>();
  for (let t = startMs - 1_000; t <= endMs + 1_000; t += 500) stamps.add(syslogTimestamp(t));
  for (const line of lines) {
    assert.equal(line.tag, "serf", `${which}: ${line.raw}`);
    assert.equal(line.pid, run.pid, `${which}: ${line.raw}`);
    assert.ok(stamps.has(line.timestamp), `${which}: timestamp out of the run's span: ${line.raw}`);
  }
}

Deno.test({
  name: "serfts agent -syslog writes the same syslog lines as serf agent -syslog (LOCAL0, every level)",
  ignore: !support.ok || !serf,
  async fn() {
    const deadPort = freePort();
    const start = Date.now();
    const flags = (which: Which) => [
      "-syslog",
      "-log-level=debug",
      ...retryScenarioFlags(freePort(), freePort(), deadPort),
      ...(which === "serf" ? [] : []),
    ];
    const [real, ours] = await Promise.all([
      runCaptured("serf", flags("serf")),
      runCaptured("serfts", flags("serfts")),
    ]);
    const end = Date.now();
    assert.equal(real.run.code, 1, real.run.stdout);
    assert.equal(ours.run.code, 1, ours.run.stdout);
    for (const [which, { run, lines }] of [["serf", real], ["serfts", ours]] as const) {
      assert.ok(lines.length >= 10, `${which} sent only ${lines.length} lines:\n${run.stdout}`);
      assertWellFormed(which, run, lines, start, end);
      // Each line's PRI follows the level the console printed for the same message.
      for (const line of lines) {
        const firstLine = line.message.split("\n")[0]!;
        const level = Object.keys(LOCAL0_PRI).find((l) => run.stdout.includes(`[${l}] ${firstLine}`));
        assert.ok(level, `${which}: no console line for ${line.raw}`);
        assert.equal(line.pri, LOCAL0_PRI[level], `${which}: ${line.raw}`);
      }
      assert.equal(lines[0]!.message, "agent: Serf agent starting");
      assert.equal(lines.at(-1)!.message, "agent: shutdown complete");
    }
    const compared = comparableRuns(ours.lines, real.lines);
    assert.deepEqual(compared.ours, compared.real);
    const pris = new Set(real.lines.map((l) => l.pri));
    for (const pri of [131, 132, 133, 134]) assert.ok(pris.has(pri), `scenario covers PRI ${pri}`);
  },
});

Deno.test({
  name: "syslog_facility and log_level from a config file shape serfts' syslog lines as serf's",
  ignore: !support.ok || !serf,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-syslog-config-" });
    try {
      const config = `${dir}/syslog.json`;
      await Deno.writeTextFile(
        config,
        JSON.stringify({ enable_syslog: true, syslog_facility: "local3", log_level: "warn" }),
      );
      const deadPort = freePort();
      const flags = () => [`-config-file=${config}`, ...retryScenarioFlags(freePort(), freePort(), deadPort)];
      const [real, ours] = await Promise.all([runCaptured("serf", flags()), runCaptured("serfts", flags())]);
      const real_ = real.lines.map(comparable);
      assert.ok(real_.length >= 3, real.run.stdout);
      // LOCAL3 is 19: WARN 19 * 8 + 4, ERR 19 * 8 + 3; nothing below WARN.
      assert.ok(real.lines.every((l) => l.pri === 156 || l.pri === 155), real_.join("\n"));
      assert.deepEqual(ours.lines.map(comparable).sort(), real_.sort());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serfts agent fails to start with serf's words when syslog is missing or the facility is unknown",
  ignore: !support.ok || !serf,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-syslog-errors-" });
    try {
      // A plain file where the socket should be: every dial is refused, as with no daemon.
      const notASocket = `${dir}/not-a-socket`;
      await Deno.writeTextFile(notASocket, "");
      const badFacility = `${dir}/bad.json`;
      await Deno.writeTextFile(badFacility, JSON.stringify({ enable_syslog: true, syslog_facility: "foo" }));
      for (
        const [flags, expected] of [
          [["-syslog"], "==> Syslog setup failed: Unix syslog delivery error\n"],
          [[`-config-file=${badFacility}`], "==> Syslog setup failed: invalid syslog facility: FOO\n"],
        ] as const
      ) {
        const args = [...flags, ...retryScenarioFlags(freePort(), freePort(), freePort())];
        const [real, ours] = await Promise.all([
          runToExit(inSyslogNamespace(notASocket, AGENTS.serf(args))),
          runToExit(inSyslogNamespace(notASocket, AGENTS.serfts(args))),
        ]);
        assert.deepEqual({ code: real.code, out: real.stdout }, { code: 1, out: expected });
        assert.deepEqual({ code: ours.code, out: ours.stdout }, { code: 1, out: expected });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
