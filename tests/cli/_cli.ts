/**
 * Runs our CLI in-process (with a capturing Platform) and the real `serf` CLI
 * as a subprocess, so tests can compare stdout, stderr and exit codes.
 */
import { main } from "../../lib/cli/main.ts";
import { denoPlatform } from "../../lib/platform/deno.ts";
import type { Platform, ProcessSignal } from "../../lib/platform/platform.ts";
import { runRealCli } from "../rpc/_serf_agent.ts";

/** Outcome of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running in-process command that can be interrupted like Ctrl-C. */
export interface OursRunning {
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Fires SIGINT handlers, as Ctrl-C would. */
  interrupt(): void;
  done: Promise<CliResult>;
}

/** Starts our CLI in-process with `env` as its whole environment. */
export function startOurs(args: string[], env: Record<string, string> = {}): OursRunning {
  let stdout = "";
  let stderr = "";
  const handlers = new Map<ProcessSignal, Set<() => void>>();
  const platform: Platform = {
    ...denoPlatform(),
    args: () => args,
    env: (name) => env[name],
    environ: () => ({ ...env }),
    writeStdout: (t) => void (stdout += t),
    writeStderr: (t) => void (stderr += t),
    onSignal(signal, handler) {
      if (!handlers.has(signal)) handlers.set(signal, new Set());
      handlers.get(signal)!.add(handler);
      return () => handlers.get(signal)!.delete(handler);
    },
    exit: (code) => {
      throw new Error(`exit(${code}) called in-process`);
    },
  };
  const done = main(args, platform).then((code) => ({ code, stdout, stderr }));
  return {
    stdout: () => stdout,
    interrupt: () => handlers.get("SIGINT")?.forEach((h) => h()),
    done,
  };
}

/** Runs our CLI in-process to completion. */
export function runOurs(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startOurs(args, env).done;
}

/** Runs the real serf CLI. */
export function runSerf(serf: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runRealCli(serf, args, env);
}

/**
 * Serf prints tags in Go's random map order; we sort them. Sorting every
 * `k=v,k=v` run makes both outputs comparable (the run keeps its length).
 */
export function normalizeTagOrder(text: string): string {
  return text.replace(/\S+=[^\s,]*(,\S+=[^\s,]*)+/g, (run) => run.split(",").sort().join(","));
}

/** Sorts lines matching `pattern` among themselves, leaving others in place (ack arrival order varies). */
export function sortMatchingLines(text: string, pattern: RegExp): string {
  const lines = text.split("\n");
  const matching = lines.filter((l) => pattern.test(l)).sort();
  let i = 0;
  return lines.map((l) => (pattern.test(l) ? matching[i++]! : l)).join("\n");
}

/**
 * Serf lists members in Go's random map order: sort text rows, or the JSON
 * `members` array by name (re-serialised with Go's indentation, which both
 * outputs are checked to use).
 */
export function normalizeMemberOrder(text: string): string {
  const t = normalizeTagOrder(text);
  if (!t.startsWith("{")) return t.split("\n").sort().join("\n");
  const parsed = JSON.parse(t);
  if (JSON.stringify(parsed, null, 2) !== t.trimEnd()) throw new Error(`not Go-indented JSON:\n${t}`);
  parsed.members?.sort((x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : 1));
  return JSON.stringify(parsed, null, 2);
}
