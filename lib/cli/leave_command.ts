/**
 * `serfts leave`: makes the agent leave the cluster gracefully and shut down.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, parseCommandFlags, rpcFlagSpecs } from "./command.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts leave

  Makes the agent leave the Serf cluster gracefully, then shut down.

Options:

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const leaveCommand: CliCommand = {
  synopsis: "Gracefully leaves the Serf cluster and shuts down",
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(args, rpcFlagSpecs(platform), HELP, platform);
    if (!flags) return 1;
    const ui = new Ui(platform);
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    try {
      await client.leave();
    } catch (err) {
      ui.error(`Error leaving: ${errorMessage(err)}`);
      return 1;
    } finally {
      client.close();
    }
    ui.output("Graceful leave complete");
    return 0;
  },
};
