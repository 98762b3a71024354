/**
 * What the agent and CLI need from the host runtime beyond sockets: host name,
 * signals, environment, exit. Each runtime provides one small implementation;
 * the composition root (cli.ts) picks it, so lib/ stays runtime-neutral.
 *
 * @module
 */

/** Signals the agent reacts to, as Serf does. */
export type AgentSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

export interface Platform {
  /** "deno" or "bun", for logs and `version`. */
  readonly runtime: string;
  hostname(): string;
  /** Command-line arguments after the program name. */
  args(): string[];
  env(name: string): string | undefined;
  /** Registers a handler; returns a function that removes it. */
  onSignal(signal: AgentSignal, handler: () => void): () => void;
  /** Writes text to standard output without a newline being added. */
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  exit(code: number): never;
}
