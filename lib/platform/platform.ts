/**
 * What the agent and CLI need from the host runtime beyond sockets: host name,
 * signals, environment, exit, child processes (event handlers), a little file
 * access (config files, tags file) and host facts (`serf info`, `-iface`).
 * Each runtime provides one small implementation; the composition root
 * (cli.ts) picks it, so lib/ stays runtime-neutral.
 *
 * @module
 */

/** After a kill, how long we still wait for output that grandchildren outside the group may hold open. */
export const DRAIN_AFTER_KILL_MS = 1_000;

/**
 * After a handler exits by itself, how long we still wait for its output
 * pipes to close. A background child it started (a daemon, `sleep 600 &`)
 * inherits them and may hold them for ever; Serf waits for it, blocking every
 * later handler and the query's answer (serf#204). We stop waiting, but keep
 * reading and discarding, so the child never dies of a broken pipe.
 */
export const DRAIN_AFTER_EXIT_MS = 250;

/** Signals the agent reacts to, as Serf does. */
export type AgentSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Every signal a handler can be registered for: the agent's, plus SIGUSR1 (dump the in-memory metrics). */
export type ProcessSignal = AgentSignal | "SIGUSR1";

/** How a child process ended. */
export interface ProcessExit {
  /** Exit code; 128 + signal number when killed, as shells report it. */
  code: number;
  /** The signal that killed it (`SIGKILL`), if any. */
  signal?: string;
}

/** Options for {@linkcode Platform.spawn}. */
export interface SpawnOptions {
  /** The complete environment of the child (the caller merges the parent's in). */
  env: Record<string, string>;
  /** Bytes written to the child's stdin, which is then closed. */
  stdin: Uint8Array;
  /** Receives stdout and stderr chunks as they arrive. */
  onOutput(chunk: Uint8Array): void;
  /** Called when writing stdin fails (the child exited without reading it, for example). */
  onStdinError?(err: unknown): void;
}

/** A running child process. */
export interface SpawnedProcess {
  readonly pid: number;
  /**
   * Resolves when the process has exited and its output pipes are drained, or
   * {@linkcode DRAIN_AFTER_EXIT_MS} after its exit when a background child
   * still holds them (after a kill, {@linkcode DRAIN_AFTER_KILL_MS}, then abandoned).
   */
  readonly exited: Promise<ProcessExit>;
  /**
   * Kills the child and everything it started: children run in their own
   * process group, so a handler's own children (`sleep`, pipelines) go too.
   */
  kill(): void;
}

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

/** One address of a network interface. */
export interface InterfaceAddress {
  /** Interface name (`eth0`). */
  name: string;
  address: string;
  family: "IPv4" | "IPv6";
}

/**
 * File-system failures carry the POSIX code (`ENOENT`, `EACCES`, `EISDIR`...)
 * in `code`, as both runtimes report them, so callers can word errors the way
 * Serf does without knowing the runtime.
 */
export interface FsError extends Error {
  code?: string;
}

/**
 * Kinds of local (unix domain) socket a syslog daemon listens on, named as Go
 * names them: `unixgram` (datagrams; rsyslog, journald) and `unix` (a byte stream).
 */
export type UnixSocketType = "unixgram" | "unix";

/** A connected local socket that carries log messages (see {@linkcode Platform.dialUnix}). */
export interface UnixLogSocket {
  readonly path: string;
  readonly type: UnixSocketType;
  /**
   * Sends one message. Rejects when the peer is gone or refuses it; it may stay
   * pending while a datagram peer's queue is full, so callers bound what they queue.
   */
  send(data: Uint8Array): Promise<void>;
  /** Closes the socket; pending sends reject. Never throws. */
  close(): void;
}

export interface Platform {
  /** "deno" or "bun", for logs and `version`. */
  readonly runtime: string;
  hostname(): string;
  /** This process's id (syslog lines carry it). */
  pid(): number;
  /** Command-line arguments after the program name. */
  args(): string[];
  env(name: string): string | undefined;
  /** The whole environment, which event handlers inherit as Serf's do. */
  environ(): Record<string, string>;
  /** Registers a handler; returns a function that removes it. */
  onSignal(signal: ProcessSignal, handler: () => void): () => void;
  /** Writes text to standard output without a newline being added. */
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  exit(code: number): never;
  /**
   * Starts `argv[0]` with arguments `argv[1..]` (no shell is involved unless
   * argv names one), in its own process group.
   * @throws {FsError} when the program cannot be started
   */
  spawn(argv: string[], options: SpawnOptions): SpawnedProcess;
  /** @throws {FsError} */
  readFile(path: string): Promise<Uint8Array>;
  /** @throws {FsError} */
  readDir(path: string): Promise<DirEntry[]>;
  /** Whether `path` is a directory; null when it does not exist. @throws {FsError} for other failures */
  stat(path: string): Promise<{ isDirectory: boolean } | null>;
  /**
   * Replaces the file's contents atomically (temporary file, fsync, rename;
   * see lib/platform/atomic_write.ts): a crash leaves the old or the new
   * contents. A new file gets `mode`; an existing one keeps its permissions.
   * @throws {FsError}
   */
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
  /** Resolves a host name with the system resolver (hosts file, DNS), IPv4 addresses first. @throws {Error} */
  lookupHost(host: string): Promise<string[]>;
  /** Addresses of the host's network interfaces. */
  networkInterfaces(): InterfaceAddress[];
  /**
   * Connects to the local socket at `path` of the given type, as Go's
   * `net.Dial(type, path)` would: fails when nothing listens there or the
   * socket there is of the other type.
   * @throws {FsError} when the socket cannot be reached
   */
  dialUnix(path: string, type: UnixSocketType): Promise<UnixLogSocket>;
  /** Operating system and architecture in Go's vocabulary (`linux`, `amd64`) and the CPU count. */
  systemInfo(): { os: string; arch: string; cpuCount: number };
}

/** Go's names for the architectures the runtimes report. */
export function goArch(arch: string): string {
  const names: Record<string, string> = {
    x86_64: "amd64",
    x64: "amd64",
    aarch64: "arm64",
    arm64: "arm64",
    ia32: "386",
    x86: "386",
    arm: "arm",
  };
  return names[arch] ?? arch;
}
