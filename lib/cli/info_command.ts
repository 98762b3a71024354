/**
 * `serfts info`: prints the agent's debugging statistics, section by section.
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand } from "./command.ts";
import { compareBytes, formatOutput, sortedMap } from "./output.ts";

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

export const infoCommand: CliCommand = rpcCommand({
  synopsis: "Provides debugging information for operators",
  help: HELP,
  flags: { format: { kind: "string", usage: "output format", default: "text" } },
  async run({ client, flags, ui }) {
    const stats = await orFail(ui, "Error querying agent", client.stats());
    const sorted = () =>
      sortedMap(Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, sortedMap(v)])));
    const out = await orFail(
      ui,
      "Encoding error",
      Promise.resolve().then(() => formatOutput(String(flags.values.format), sorted, () => statsText(stats))),
    );
    ui.output(out);
    return 0;
  },
});
