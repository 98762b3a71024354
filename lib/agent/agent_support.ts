/**
 * Small helpers of the agent: the `runtime` section of `serf info`, and Go's
 * `%v` / `%#v` renderings its log lines use.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";

/**
 * The `runtime` section of `serf info`. Keys are Serf's; values describe this
 * runtime: `version` is the JavaScript runtime, `goroutines` the agent's
 * long-running tasks (there are no goroutines to count).
 */
export function runtimeStats(platform: Pick<Platform, "systemInfo" | "runtime">, tasks: number): Record<
  string,
  string
> {
  const info = platform.systemInfo();
  return {
    os: info.os,
    arch: info.arch,
    version: platform.runtime,
    max_procs: String(info.cpuCount),
    goroutines: String(tasks),
    cpu_count: String(info.cpuCount),
  };
}

/** A string list as Go's `%v` prints it: `[a b c]`. */
export function goArgs(list: readonly string[]): string {
  return `[${list.join(" ")}]`;
}
