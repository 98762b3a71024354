/**
 * `serfts tags`: sets and deletes tags on a running agent.
 *
 * @module
 */
import { parseTagFlags } from "../agent/config.ts";
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, parseCommandFlags, rpcFlagSpecs } from "./command.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts tags [options] ...

  Changes the tags of a running agent.

Options:

  -rpc-addr=127.0.0.1:7373  RPC Address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.
  -set key=value            Adds a tag or changes its value
  -delete key               Removes a tag, if the agent has it`;

export const tagsCommand: CliCommand = {
  synopsis: "Modify tags of a running Serf agent",
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(
      args,
      {
        set: { kind: "list", usage: "tag pairs, specified as key=value" },
        delete: { kind: "list", usage: "tag keys to unset" },
        ...rpcFlagSpecs(platform),
      },
      HELP,
      platform,
    );
    if (!flags) return 1;
    const ui = new Ui(platform);
    const set = flags.values.set as string[];
    const del = flags.values.delete as string[];
    if (set.length === 0 && del.length === 0) {
      ui.output(HELP);
      return 1;
    }
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    try {
      let tags: Record<string, string>;
      try {
        tags = parseTagFlags(set);
      } catch (err) {
        ui.error(`Error: ${errorMessage(err)}`);
        return 1;
      }
      try {
        await client.updateTags(tags, del);
      } catch (err) {
        ui.error(`Error setting tags: ${errorMessage(err)}`);
        return 1;
      }
      ui.output("Successfully updated agent tags");
      return 0;
    } finally {
      client.close();
    }
  },
};
