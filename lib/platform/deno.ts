/**
 * The Deno implementation of {@linkcode Platform}.
 *
 * @module
 */
import type { AgentSignal, Platform } from "./platform.ts";

const encoder = new TextEncoder();

/** Platform backed by the `Deno` namespace. */
export function denoPlatform(): Platform {
  return {
    runtime: `deno ${Deno.version.deno}`,
    hostname: () => Deno.hostname(),
    args: () => [...Deno.args],
    env: (name) => Deno.env.get(name),
    onSignal(signal: AgentSignal, handler: () => void) {
      Deno.addSignalListener(signal, handler);
      return () => Deno.removeSignalListener(signal, handler);
    },
    writeStdout: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    writeStderr: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    exit: (code) => Deno.exit(code),
  };
}
