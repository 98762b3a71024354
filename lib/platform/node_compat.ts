/**
 * The {@linkcode Platform} for runtimes without the `Deno` namespace (Bun),
 * through the `node:` modules both runtimes implement.
 *
 * @module
 */
import os from "node:os";
import process from "node:process";
import type { AgentSignal, Platform } from "./platform.ts";

/** Platform backed by `node:process` and `node:os`. */
export function nodeCompatPlatform(runtime: string): Platform {
  return {
    runtime,
    hostname: () => os.hostname(),
    args: () => process.argv.slice(2),
    env: (name) => process.env[name],
    onSignal(signal: AgentSignal, handler: () => void) {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    writeStdout: (text) => void process.stdout.write(text),
    writeStderr: (text) => void process.stderr.write(text),
    exit: (code) => process.exit(code),
  };
}
