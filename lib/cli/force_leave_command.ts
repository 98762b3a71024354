/**
 * `serfts force-leave`: moves a member (normally a failed one) to the "left"
 * state, or with `-prune` removes it from the member list at once.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, parseCommandFlags, rpcFlagSpecs, usageError } from "./command.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts force-leave [options] name

  Forces a member of the cluster into the "left" state. A member that is
  actually alive will rejoin by itself; use this to clear out failed nodes
  that will not come back, which Serf would otherwise keep trying to
  reconnect to until they are reaped.

Options:

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.
  -prune                    Also remove the member from the member list at once`;

export const forceLeaveCommand: CliCommand = {
  synopsis: 'Forces a member of the cluster to enter the "left" state',
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(
      args,
      {
        prune: { kind: "bool", usage: "Remove agent forcibly from list of members" },
        ...rpcFlagSpecs(platform),
      },
      HELP,
      platform,
    );
    if (!flags) return 1;
    const ui = new Ui(platform);
    if (flags.args.length !== 1) return usageError(ui, "A node name must be specified to force leave.", HELP);
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    try {
      await client.forceLeave(flags.args[0]!, flags.values.prune === true);
      return 0;
    } catch (err) {
      ui.error(`Error force leaving: ${errorMessage(err)}`);
      return 1;
    } finally {
      client.close();
    }
  },
};
