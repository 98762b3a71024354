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
import type { CliCommand } from "./command.ts";
import { FlagError, formatFlagHelp } from "./flags.ts";
import { VERSION, versionCommand } from "./version_command.ts";

export { VERSION };

/** A command of the table: its line in the usage, and its module, loaded only when it runs. */
export interface CommandEntry {
  synopsis: string;
  load(): Promise<CliCommand>;
}

/**
 * Every command but `agent` (which keeps its own flag and help handling).
 * Each module loads on demand, so `serfts agent` carries no CLI command, RPC
 * client or output formatting in memory, and a one-shot command does not
 * load the agent (a test checks each synopsis against its module's).
 */
export const COMMANDS: Record<string, CommandEntry> = {
  event: {
    synopsis: "Send a custom event through the Serf cluster",
    load: async () => (await import("./event_command.ts")).eventCommand,
  },
  "force-leave": {
    synopsis: 'Forces a member of the cluster to enter the "left" state',
    load: async () => (await import("./force_leave_command.ts")).forceLeaveCommand,
  },
  info: {
    synopsis: "Provides debugging information for operators",
    load: async () => (await import("./info_command.ts")).infoCommand,
  },
  join: {
    synopsis: "Tell Serf agent to join cluster",
    load: async () => (await import("./join_command.ts")).joinCommand,
  },
  keygen: {
    synopsis: "Generates a new encryption key",
    load: async () => (await import("./keygen_command.ts")).keygenCommand,
  },
  keys: {
    synopsis: "Manipulate the internal encryption keyring used by Serf",
    load: async () => (await import("./keys_command.ts")).keysCommand,
  },
  leave: {
    synopsis: "Gracefully leaves the Serf cluster and shuts down",
    load: async () => (await import("./leave_command.ts")).leaveCommand,
  },
  members: {
    synopsis: "Lists the members of a Serf cluster",
    load: async () => (await import("./members_command.ts")).membersCommand,
  },
  monitor: {
    synopsis: "Stream logs from a Serf agent",
    load: async () => (await import("./monitor_command.ts")).monitorCommand,
  },
  query: {
    synopsis: "Send a query to the Serf cluster",
    load: async () => (await import("./query_command.ts")).queryCommand,
  },
  reachability: {
    synopsis: "Test network reachability",
    load: async () => (await import("./reachability_command.ts")).reachabilityCommand,
  },
  rtt: {
    synopsis: "Estimates network round trip time between nodes",
    load: async () => (await import("./rtt_command.ts")).rttCommand,
  },
  tags: {
    synopsis: "Modify tags of a running Serf agent",
    load: async () => (await import("./tags_command.ts")).tagsCommand,
  },
  version: { synopsis: versionCommand.synopsis, load: () => Promise.resolve(versionCommand) },
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
      case "agent": {
        const [{ runAgent }, { startRpcServer }] = await Promise.all([
          import("./agent_command.ts"),
          import("../rpc/server.ts"),
        ]);
        return await runAgent(rest, platform, { rpcServer: startRpcServer });
      }
      case "--version":
      case "-v":
        return await versionCommand.run([], platform);
      case "help":
      case "--help":
      case "-h":
        platform.writeStderr(usage());
        return 0;
    }
    const entry = command === undefined ? undefined : COMMANDS[command];
    if (!entry) {
      platform.writeStderr(usage());
      return 127;
    }
    const cmd = await entry.load();
    if (wantsHelp(rest) && cmd.help) {
      platform.writeStderr(`${cmd.help}\n`);
      return 0;
    }
    return await cmd.run(rest, platform);
  } catch (err) {
    if (err instanceof FlagError) {
      // Only the agent command lets a FlagError escape, so its module is already loaded.
      const { AGENT_FLAGS } = await import("./agent_flags.ts");
      if (err.message !== "help requested") platform.writeStderr(`${err.message}\n`);
      platform.writeStderr(`Usage: serfts agent [options]\n\nOptions:\n\n${formatFlagHelp(AGENT_FLAGS)}\n`);
      return 1;
    }
    platform.writeStderr(`Error: ${errorMessage(err)}\n`);
    return 1;
  }
}
