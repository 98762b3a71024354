/**
 * `serfts info`: prints the agent's debugging statistics, section by section.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, connectAgent, parseCommandFlags, rpcFlagSpecs } from "./command.ts";
import { compareBytes, formatOutput, sortedMap, Ui } from "./output.ts";

const HELP = `Usage: serfts info [options]

	Prints debugging information about the agent for operators.

Options:

  -format                  Output format: 'text' (default) or 'json'.

  -rpc-addr=127.0.0.1:7373 RPC address of the Serf agent.

  -rpc-auth=""             RPC auth token of the Serf agent.`;

/** Sections and keys sorted, values as `\tkey = value`, like `serf info`. */
export function statsText(stats: Record<string, Record<string, string>>): string {
  let out = "";
  for (const section of Object.keys(stats).sort(compareBytes)) {
    out += `${section}:\n`;
    const values = stats[section]!;
    for (const key of Object.keys(values).sort(compareBytes)) out += `\t${key} = ${values[key]}\n`;
  }
  return out;
}

export const infoCommand: CliCommand = {
  synopsis: "Provides debugging information for operators",
  help: HELP,
  async run(args: string[], platform: Platform): Promise<number> {
    const flags = parseCommandFlags(
      args,
      {
        format: { kind: "string", usage: "output format", default: "text" },
        ...rpcFlagSpecs(platform),
      },
      HELP,
      platform,
    );
    if (!flags) return 1;
    const ui = new Ui(platform);
    const client = await connectAgent(ui, flags);
    if (!client) return 1;
    let stats: Record<string, Record<string, string>>;
    try {
      stats = await client.stats();
    } catch (err) {
      ui.error(`Error querying agent: ${errorMessage(err)}`);
      return 1;
    } finally {
      client.close();
    }
    try {
      const sorted = sortedMap(Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, sortedMap(v)])));
      ui.output(formatOutput(String(flags.values.format), () => sorted, () => statsText(stats)));
    } catch (err) {
      ui.error(`Encoding error: ${errorMessage(err)}`);
      return 1;
    }
    return 0;
  },
};
