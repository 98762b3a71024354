/**
 * `serfts join`: asks the agent to join a cluster through one or more addresses.
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand, usageError } from "./command.ts";

const HELP = `Usage: serfts join [options] address ...

  Tells a running agent to join a cluster through at least one of its
  existing members.

Options:

  -replay                   Replay user events from before the join.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const joinCommand: CliCommand = rpcCommand({
  synopsis: "Tell Serf agent to join cluster",
  help: HELP,
  flags: { replay: { kind: "bool", usage: "replay" } },
  prepare(flags, ui) {
    if (flags.args.length === 0) {
      return usageError(ui, "At least one address to join must be specified.", HELP);
    }
    return { addresses: flags.args, replay: flags.values.replay === true };
  },
  async run({ client, ui, prepared: { addresses, replay } }) {
    const n = await orFail(ui, "Error joining the cluster", client.join(addresses, replay));
    ui.output(`Successfully joined cluster by contacting ${n} nodes.`);
    return 0;
  },
});
