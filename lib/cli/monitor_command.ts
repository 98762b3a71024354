/**
 * `serfts monitor`: streams the agent's log lines (at `-log-level` or above,
 * even below the agent's own level) and its events until interrupted.
 * Exits 0 on Ctrl-C, 1 when the agent goes away.
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand } from "./command.ts";
import { goEventInfoLines } from "./go_value_format.ts";

const HELP = `Usage: serfts monitor [options]

  Shows the agent's recent log lines, then follows its log and events as
  they happen. The level can be lower than the agent's own: an agent logging
  at INFO still shows DEBUG lines here with -log-level=debug.

Options:

  -log-level=info          Lowest level of the lines to show.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const monitorCommand: CliCommand = rpcCommand({
  synopsis: "Stream logs from a Serf agent",
  help: HELP,
  flags: { "log-level": { kind: "string", usage: "log level", default: "INFO" } },
  interruptible: true,
  async run({ client, flags, ui, interrupted }) {
    const events = await orFail(
      ui,
      "Error starting stream",
      client.stream("*", (_record, raw) => {
        ui.info("Event Info:");
        for (const line of goEventInfoLines(raw)) ui.info(line);
      }),
    );
    const logs = await orFail(
      ui,
      "Error starting monitor",
      client.monitor(String(flags.values["log-level"]), (line) => ui.info(line)),
    );
    const outcome = await Promise.race([
      interrupted.then(() => "stop" as const),
      Promise.race([events.ended, logs.ended]).then(() => "ended" as const),
    ]);
    if (outcome === "ended") {
      ui.info("");
      ui.output(
        "Remote side ended the monitor! This usually means that the\nremote side has exited or crashed.",
      );
      return 1;
    }
    await Promise.allSettled([logs.stop(), events.stop()]);
    return 0;
  },
});
