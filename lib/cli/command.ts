/**
 * What every RPC-backed CLI command shares: the command shape the table in
 * main.ts dispatches to, Go-style flag parsing with Serf's error output, the
 * `-rpc-addr`/`-rpc-auth` flags (defaulting from `SERF_RPC_ADDR` and
 * `SERF_RPC_AUTH`), connecting to the agent, and waiting for Ctrl-C.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { RpcClient } from "../rpc/client.ts";
import { errorMessage } from "../util/errors.ts";
import { FlagError, type FlagSpec, type ParsedFlags, parseFlags } from "./flags.ts";
import { Ui } from "./output.ts";

/** One `serfts <name>` subcommand. */
export interface CliCommand {
  /** One line for the command list. */
  synopsis: string;
  /** Full help, printed for `-h` and after usage errors. */
  help: string;
  /** Runs the command; resolves with the process exit code. */
  run(args: string[], platform: Platform): Promise<number>;
}

/** Where the agent's RPC listens unless told otherwise (Serf's default). */
export const DEFAULT_RPC_ADDR = "127.0.0.1:7373";

/** The `-rpc-addr` and `-rpc-auth` flags, with defaults from the environment as Serf reads them. */
export function rpcFlagSpecs(platform: Platform): Record<string, FlagSpec> {
  return {
    "rpc-addr": {
      kind: "string",
      usage: "RPC address of the Serf agent.",
      default: platform.env("SERF_RPC_ADDR") || DEFAULT_RPC_ADDR,
    },
    "rpc-auth": {
      kind: "string",
      usage: "RPC auth token of the Serf agent.",
      default: platform.env("SERF_RPC_AUTH") ?? "",
    },
  };
}

/**
 * Parses `args` like Go's flag package in Serf's commands: on a bad flag the
 * error goes to stderr and the command's help to stdout, and the caller exits 1.
 * @returns the parsed flags, or undefined after printing a usage error
 */
export function parseCommandFlags(
  args: string[],
  specs: Record<string, FlagSpec>,
  help: string,
  platform: Platform,
): ParsedFlags | undefined {
  try {
    return parseFlags(args, specs);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    if (err.message !== "help requested") platform.writeStderr(`${err.message}\n`);
    new Ui(platform).output(help);
    return undefined;
  }
}

/**
 * Connects to the agent named by the parsed `-rpc-addr`/`-rpc-auth` flags.
 * @returns the client, or undefined after printing Serf's "Error connecting to Serf agent: ..."
 */
export async function connectAgent(ui: Ui, flags: ParsedFlags): Promise<RpcClient | undefined> {
  try {
    return await RpcClient.connect(String(flags.values["rpc-addr"]), {
      authKey: String(flags.values["rpc-auth"] ?? ""),
    });
  } catch (err) {
    ui.error(`Error connecting to Serf agent: ${errorMessage(err)}`);
    return undefined;
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM (Serf's commands stop on either);
 * call `dispose` to remove the signal handlers.
 */
export function interrupted(platform: Platform): { promise: Promise<void>; dispose(): void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => fire = resolve);
  const removers = (["SIGINT", "SIGTERM"] as const).map((sig) => platform.onSignal(sig, () => fire()));
  return { promise, dispose: () => removers.forEach((r) => r()) };
}

/** A usage error inside the command: message lines, a blank line, then the help, all on stdout. */
export function usageError(ui: Ui, message: string, help: string): number {
  ui.error(message);
  ui.error("");
  ui.error(help);
  return 1;
}

/** Stops an RPC command with exit code 1 after its failure was printed (see {@linkcode orFail}). */
class CommandFailed extends Error {
  override name = "CommandFailed";
}

/**
 * Awaits `work`; on failure prints Serf's `<what>: <reason>` to stderr and
 * stops the command (exit 1). Only for use inside {@linkcode rpcCommand}'s `run`.
 */
export async function orFail<T>(ui: Ui, what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    ui.error(`${what}: ${errorMessage(err)}`);
    throw new CommandFailed(what, { cause: err });
  }
}

/** What an RPC command's `run` gets: a connected client and what `prepare` made of the flags. */
export interface RpcRun<T> {
  client: RpcClient;
  flags: ParsedFlags;
  ui: Ui;
  platform: Platform;
  prepared: T;
  /** Resolves on SIGINT/SIGTERM when the spec is `interruptible`; never otherwise. */
  interrupted: Promise<void>;
}

/** A command that talks to the agent over RPC: everything but its own logic is {@linkcode rpcCommand}'s. */
export interface RpcCommandSpec<T> {
  synopsis: string;
  help: string;
  /** Flags besides `-rpc-addr` and `-rpc-auth`. @default none */
  flags?: Record<string, FlagSpec>;
  /** Prefix for info lines (`keys` uses Serf's "==> "). @default none */
  infoPrefix?: string;
  /** Catches SIGINT/SIGTERM while running (long-lived commands). @default false */
  interruptible?: boolean;
  /** Checks the flags before connecting: an exit code stops the command, anything else goes to `run`. */
  prepare?(flags: ParsedFlags, ui: Ui, platform: Platform): T | number;
  /** The command's own work; the client is closed afterwards. Resolves with the exit code. */
  run(r: RpcRun<T>): Promise<number>;
}

/**
 * Builds a command with the prelude every RPC command shares: Go-style flag
 * parsing with Serf's usage errors, `prepare`, connecting to the agent (with
 * Serf's "Error connecting to Serf agent" message), and closing the client.
 */
export function rpcCommand<T = undefined>(spec: RpcCommandSpec<T>): CliCommand {
  return {
    synopsis: spec.synopsis,
    help: spec.help,
    async run(args: string[], platform: Platform): Promise<number> {
      const flags = parseCommandFlags(
        args,
        { ...spec.flags, ...rpcFlagSpecs(platform) },
        spec.help,
        platform,
      );
      if (!flags) return 1;
      const ui = new Ui(platform, { infoPrefix: spec.infoPrefix });
      const prepared = spec.prepare ? spec.prepare(flags, ui, platform) : undefined as T;
      if (typeof prepared === "number") return prepared;
      const client = await connectAgent(ui, flags);
      if (!client) return 1;
      const stop = spec.interruptible
        ? interrupted(platform)
        : { promise: new Promise<void>(() => {}), dispose() {} };
      try {
        return await spec.run({ client, flags, ui, platform, prepared, interrupted: stop.promise });
      } catch (err) {
        if (err instanceof CommandFailed) return 1;
        throw err;
      } finally {
        stop.dispose();
        client.close();
      }
    },
  };
}
