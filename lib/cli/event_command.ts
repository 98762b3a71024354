/**
 * `serfts event`: asks the agent to send a user event to the cluster.
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand, usageError } from "./command.ts";

const HELP = `Usage: serfts event [options] name payload

  Sends a custom (user) event through the Serf cluster.

Options:

  -coalesce=true/false      Whether the cluster may coalesce this event: when
                            several events of the same name arrive close
                            together, only the last one is delivered.
                            Default is true.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const eventCommand: CliCommand = rpcCommand({
  synopsis: "Send a custom event through the Serf cluster",
  help: HELP,
  flags: { coalesce: { kind: "bool", usage: "coalesce", default: true } },
  prepare(flags, ui) {
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
    return { name, payload, coalesce: flags.values.coalesce === true };
  },
  async run({ client, ui, prepared: { name, payload, coalesce } }) {
    await orFail(
      ui,
      "Error sending event",
      client.userEvent(name, new TextEncoder().encode(payload), coalesce),
    );
    ui.output(`Event '${name}' dispatched! Coalescing enabled: ${coalesce}`);
    return 0;
  },
});
