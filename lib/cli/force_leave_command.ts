/**
 * `serfts force-leave`: moves a member (normally a failed one) to the "left"
 * state, or with `-prune` removes it from the member list at once.
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand, usageError } from "./command.ts";

const HELP = `Usage: serfts force-leave [options] name

  Forces a member of the cluster into the "left" state. A member that is
  actually alive will rejoin by itself; use this to clear out failed nodes
  that will not come back, which Serf would otherwise keep trying to
  reconnect to until they are reaped.

Options:

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.
  -prune                    Also remove the member from the member list at once`;

export const forceLeaveCommand: CliCommand = rpcCommand({
  synopsis: 'Forces a member of the cluster to enter the "left" state',
  help: HELP,
  flags: { prune: { kind: "bool", usage: "Remove agent forcibly from list of members" } },
  prepare(flags, ui) {
    if (flags.args.length !== 1) return usageError(ui, "A node name must be specified to force leave.", HELP);
    return { node: flags.args[0]!, prune: flags.values.prune === true };
  },
  async run({ client, ui, prepared: { node, prune } }) {
    await orFail(ui, "Error force leaving", client.forceLeave(node, prune));
    return 0;
  },
});
