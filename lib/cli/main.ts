/**
 * The `serfts` command table: dispatches a subcommand and maps errors to
 * exit codes the way Serf's CLI does (1 for failures and usage errors, 127
 * for a missing or unknown command; `-h` anywhere prints the command's help
 * to stderr and exits 0).
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import type { Platform } from "../platform/platform.ts";
import { startRpcServer } from "../rpc/server.ts";
import { AGENT_FLAGS, runAgent } from "./agent_command.ts";
import type { CliCommand } from "./command.ts";
import { eventCommand } from "./event_command.ts";
import { FlagError, formatFlagHelp } from "./flags.ts";
import { forceLeaveCommand } from "./force_leave_command.ts";
import { infoCommand } from "./info_command.ts";
import { joinCommand } from "./join_command.ts";
import { keygenCommand } from "./keygen_command.ts";
import { keysCommand } from "./keys_command.ts";
import { leaveCommand } from "./leave_command.ts";
import { membersCommand } from "./members_command.ts";
import { monitorCommand } from "./monitor_command.ts";
import { queryCommand } from "./query_command.ts";
import { reachabilityCommand } from "./reachability_command.ts";
import { rttCommand } from "./rtt_command.ts";
import { tagsCommand } from "./tags_command.ts";
import { VERSION, versionCommand } from "./version_command.ts";

export { VERSION };

/** Every command but `agent` (which keeps its own flag and help handling). */
const COMMANDS: Record<string, CliCommand> = {
  event: eventCommand,
  "force-leave": forceLeaveCommand,
  info: infoCommand,
  join: joinCommand,
  keygen: keygenCommand,
  keys: keysCommand,
  leave: leaveCommand,
  members: membersCommand,
  monitor: monitorCommand,
  query: queryCommand,
  reachability: reachabilityCommand,
  rtt: rttCommand,
  tags: tagsCommand,
  version: versionCommand,
};

/** The top-level usage with every command and its synopsis, names padded as Serf pads them. */
function usage(): string {
  const synopses: Record<string, string> = { agent: "Runs a Serf agent" };
  for (const [name, cmd] of Object.entries(COMMANDS)) synopses[name] = cmd.synopsis;
  const names = Object.keys(synopses).sort();
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `    ${n.padEnd(width)}    ${synopses[n]}`);
  return `Usage: serfts [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n${
    lines.join("\n")
  }\n\n`;
}

/** True when a help flag appears before any `--`, which is how Serf's CLI decides to show help. */
function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === "--") return false;
    if (a === "-h" || a === "-help" || a === "--help") return true;
  }
  return false;
}

/** Runs the CLI with `argv` (without the program name); resolves with the exit code. */
export async function main(argv: string[], platform: Platform): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "agent":
        return await runAgent(rest, platform, { rpcServer: startRpcServer });
      case "--version":
      case "-v":
        return await versionCommand.run([], platform);
      case "help":
      case "--help":
      case "-h":
        platform.writeStderr(usage());
        return 0;
    }
    const cmd = command === undefined ? undefined : COMMANDS[command];
    if (!cmd) {
      platform.writeStderr(usage());
      return 127;
    }
    if (wantsHelp(rest) && cmd.help) {
      platform.writeStderr(`${cmd.help}\n`);
      return 0;
    }
    return await cmd.run(rest, platform);
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
