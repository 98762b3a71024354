/**
 * The `serfts` command table: dispatches a subcommand and maps errors to
 * exit codes the way Serf's CLI does (1 for failures and usage errors).
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import type { Platform } from "../platform/platform.ts";
import { AGENT_FLAGS, runAgent } from "./agent_command.ts";
import { FlagError, formatFlagHelp } from "./flags.ts";

/** serfts version, printed by `serfts version`. */
export const VERSION = "0.1.0";

const USAGE = `Usage: serfts [--version] [--help] <command> [<args>]

Available commands are:
    agent      Runs a Serf agent
    version    Prints the Serf version
`;

/** Runs the CLI with `argv` (without the program name); resolves with the exit code. */
export async function main(argv: string[], platform: Platform): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "agent":
        return await runAgent(rest, platform);
      case "version":
      case "--version":
      case "-v":
        platform.writeStdout(`serfts v${VERSION}\nAgent Protocol: 5 (Understands back to: 2)\n`);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        platform.writeStderr(USAGE);
        return command === undefined ? 1 : 0;
      default:
        platform.writeStderr(`serfts: unknown command "${command}"\n\n${USAGE}`);
        return 1;
    }
  } catch (err) {
    if (err instanceof FlagError) {
      if (err.message !== "help requested") platform.writeStderr(`${err.message}\n`);
      platform.writeStderr(`Usage: serfts agent [options]\n\nOptions:\n\n${formatFlagHelp(AGENT_FLAGS)}\n`);
      return 1;
    }
    platform.writeStderr(`Error: ${errorMessage(err)}\n`);
    return 1;
  }
}
