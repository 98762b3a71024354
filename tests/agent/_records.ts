/**
 * Helpers for tests that run event handlers: the interop recording handler
 * (tests/interop/record_handler.sh: SERF_* environment and stdin into one
 * file per event, queries answered with `pong from <name>`), and a reader for
 * what it recorded.
 */
import { join } from "node:path";
import { denoPlatform } from "../../lib/platform/deno.ts";
import type { AgentSignal, Platform, ProcessSignal } from "../../lib/platform/platform.ts";

/** Absolute path of the recording handler. */
export const RECORD_HANDLER = new URL("../interop/record_handler.sh", import.meta.url).pathname;

/** One recorded handler run. */
export interface HandlerRecord {
  env: Map<string, string>;
  stdin: string;
}

/** Every run recorded in `dir`, oldest first. */
export async function readRecords(dir: string): Promise<HandlerRecord[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (!e.name.endsWith(".tmp")) names.push(e.name);
  names.sort((a, b) => BigInt(a.split("-")[0]!) < BigInt(b.split("-")[0]!) ? -1 : 1);
  const out: HandlerRecord[] = [];
  for (const name of names) {
    const text = await Deno.readTextFile(join(dir, name));
    const [envText, stdin = ""] = text.split("--- stdin\n");
    const env = new Map<string, string>();
    for (const line of envText!.split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) env.set(line.slice(0, i), line.slice(i + 1));
    }
    out.push({ env, stdin });
  }
  return out;
}

/** A Deno platform whose handlers see `extraEnv`, and whose signals the test fires by hand. */
export function testPlatform(extraEnv: Record<string, string> = {}): Platform & {
  fire(signal: AgentSignal): void;
} {
  const base = denoPlatform();
  const handlers = new Map<ProcessSignal, Set<() => void>>();
  return {
    ...base,
    environ: () => ({ ...base.environ(), ...extraEnv }),
    onSignal(signal, handler) {
      if (!handlers.has(signal)) handlers.set(signal, new Set());
      handlers.get(signal)!.add(handler);
      return () => void handlers.get(signal)!.delete(handler);
    },
    fire(signal) {
      for (const h of handlers.get(signal) ?? []) h();
    },
  };
}

/** Polls `pred` every 100 ms for at most `maxMs`. */
export async function waitUntil(pred: () => Promise<boolean> | boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await pred();
}
