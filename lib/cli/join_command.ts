/**
 * `serfts join`: asks the agent to join a cluster through one or more addresses.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, parseCommandFlags, rpcFlagSpecs, usageError } from "./command.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts join [options] address ...

  Tells a running agent to join a cluster through at least one of its
  existing members.

Options:

  -replay                   Replay user events from before the join.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const joinCommand: CliCommand = {
  synopsis: "Tell Serf agent to join cluster",
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(
      args,
      {
        replay: { kind: "bool", usage: "replay" },
        ...rpcFlagSpecs(platform),
      },
      HELP,
      platform,
    );
    if (!flags) return 1;
    const ui = new Ui(platform);
    if (flags.args.length === 0) {
      return usageError(ui, "At least one address to join must be specified.", HELP);
    }
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    let n: number;
    try {
      n = await client.join(flags.args, flags.values.replay === true);
    } catch (err) {
      ui.error(`Error joining the cluster: ${errorMessage(err)}`);
      return 1;
    } finally {
      client.close();
    }
    ui.output(`Successfully joined cluster by contacting ${n} nodes.`);
    return 0;
  },
};
