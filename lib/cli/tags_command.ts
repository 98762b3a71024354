/**
 * `serfts tags`: sets and deletes tags on a running agent.
 *
 * @module
 */
import { parseTagFlags } from "../agent/config.ts";
import { type CliCommand, orFail, rpcCommand } from "./command.ts";

const HELP = `Usage: serfts tags [options] ...

  Changes the tags of a running agent.

Options:

  -rpc-addr=127.0.0.1:7373  RPC Address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.
  -set key=value            Adds a tag or changes its value
  -delete key               Removes a tag, if the agent has it`;

export const tagsCommand: CliCommand = rpcCommand({
  synopsis: "Modify tags of a running Serf agent",
  help: HELP,
  flags: {
    set: { kind: "list", usage: "tag pairs, specified as key=value" },
    delete: { kind: "list", usage: "tag keys to unset" },
  },
  prepare(flags, ui) {
    const set = flags.values.set as string[];
    const del = flags.values.delete as string[];
    if (set.length === 0 && del.length === 0) {
      ui.output(HELP);
      return 1;
    }
    return { set, del };
  },
  async run({ client, ui, prepared: { set, del } }) {
    const tags = await orFail(ui, "Error", Promise.resolve().then(() => parseTagFlags(set)));
    await orFail(ui, "Error setting tags", client.updateTags(tags, del));
    ui.output("Successfully updated agent tags");
    return 0;
  },
});
