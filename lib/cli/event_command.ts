/**
 * `serfts event`: asks the agent to send a user event to the cluster.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, parseCommandFlags, rpcFlagSpecs, usageError } from "./command.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts event [options] name payload

  Sends a custom (user) event through the Serf cluster.

Options:

  -coalesce=true/false      Whether the cluster may coalesce this event: when
                            several events of the same name arrive close
                            together, only the last one is delivered.
                            Default is true.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const eventCommand: CliCommand = {
  synopsis: "Send a custom event through the Serf cluster",
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(
      args,
      {
        coalesce: { kind: "bool", usage: "coalesce", default: true },
        ...rpcFlagSpecs(platform),
      },
      HELP,
      platform,
    );
    if (!flags) return 1;
    const ui = new Ui(platform);
    const rest = flags.args;
    if (rest.length < 1) return usageError(ui, "An event name must be specified.", HELP);
    if (rest.length > 2) {
      return usageError(
        ui,
        "Too many command line arguments. Only a name and payload must be specified.",
        HELP,
      );
    }
    const [name, payload = ""] = rest as [string, string?];
    const coalesce = flags.values.coalesce === true;
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    try {
      await client.userEvent(name, new TextEncoder().encode(payload), coalesce);
    } catch (err) {
      ui.error(`Error sending event: ${errorMessage(err)}`);
      return 1;
    } finally {
      client.close();
    }
    ui.output(`Event '${name}' dispatched! Coalescing enabled: ${coalesce}`);
    return 0;
  },
};
