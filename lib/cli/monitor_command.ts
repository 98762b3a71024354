/**
 * `serfts monitor`: streams the agent's log lines (at `-log-level` or above,
 * even below the agent's own level) and its events until interrupted.
 * Exits 0 on Ctrl-C, 1 when the agent goes away.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, interrupted, parseCommandFlags, rpcFlagSpecs } from "./command.ts";
import { goEventInfoLines } from "./go_value_format.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts monitor [options]

  Shows the agent's recent log lines, then follows its log and events as
  they happen. The level can be lower than the agent's own: an agent logging
  at INFO still shows DEBUG lines here with -log-level=debug.

Options:

  -log-level=info          Lowest level of the lines to show.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const monitorCommand: CliCommand = {
  synopsis: "Stream logs from a Serf agent",
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(
      args,
      {
        "log-level": { kind: "string", usage: "log level", default: "INFO" },
        ...rpcFlagSpecs(platform),
      },
      HELP,
      platform,
    );
    if (!flags) return 1;
    const ui = new Ui(platform);
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    const stop = interrupted(platform);
    try {
      let events;
      try {
        events = await client.stream("*", (_record, raw) => {
          ui.info("Event Info:");
          for (const line of goEventInfoLines(raw)) ui.info(line);
        });
      } catch (err) {
        ui.error(`Error starting stream: ${errorMessage(err)}`);
        return 1;
      }
      let logs;
      try {
        logs = await client.monitor(String(flags.values["log-level"]), (line) => ui.info(line));
      } catch (err) {
        ui.error(`Error starting monitor: ${errorMessage(err)}`);
        return 1;
      }
      const outcome = await Promise.race([
        stop.promise.then(() => "stop" as const),
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
    } finally {
      stop.dispose();
      client.close();
    }
  },
};
