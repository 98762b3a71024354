/**
 * `serfts leave`: makes the agent leave the cluster gracefully and shut down.
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand } from "./command.ts";

const HELP = `Usage: serfts leave

  Makes the agent leave the Serf cluster gracefully, then shut down.

Options:

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const leaveCommand: CliCommand = rpcCommand({
  synopsis: "Gracefully leaves the Serf cluster and shuts down",
  help: HELP,
  async run({ client, ui }) {
    await orFail(ui, "Error leaving", client.leave());
    ui.output("Graceful leave complete");
    return 0;
  },
});
