/**
 * Builds the agent's effective config as `serf agent` does at start and on
 * SIGHUP: defaults, then config files and directories, then flags; the host
 * name when no node name is set; handler specs and the interface checked;
 * the deprecated role folded into the tags; intervals raised to their
 * minimums, with Serf's warnings.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { parseLogLevel } from "../util/log.ts";
import {
  type AgentConfig,
  defaultAgentConfig,
  mergeAgentConfig,
  MIN_BROADCAST_TIMEOUT_MS,
  MIN_RETRY_INTERVAL_MS,
} from "./config.ts";
import { readConfigPaths } from "./config_file.ts";
import { formatGoDuration } from "../util/duration.ts";
import { parseEventHandlers } from "./event_handler.ts";

/** The effective config and the warnings Serf prints (with `==> `) while building it. */
export interface ResolvedAgentConfig {
  config: AgentConfig;
  notices: string[];
}

/**
 * Resolves the config from the flags' config and the config paths they named.
 *
 * @param flags a config holding only what the flags set (`protocol` -1 when unset)
 * @param configPaths `-config-file` and `-config-dir` values, in command-line order
 * @throws {Error} with the message Serf prints (`Error decoding 'a.json': ...`,
 * `Invalid event script: ...`, `Invalid network interface: ...`, the mDNS
 * checks of {@linkcode checkMdnsConfig})
 */
export async function resolveAgentConfig(
  flags: AgentConfig,
  configPaths: readonly string[],
  platform: Pick<Platform, "readFile" | "readDir" | "stat" | "hostname" | "networkInterfaces">,
): Promise<ResolvedAgentConfig> {
  const notices: string[] = [];
  let config = defaultAgentConfig();
  if (configPaths.length > 0) {
    config = mergeAgentConfig(config, await readConfigPaths(configPaths, platform, mergeAgentConfig));
  }
  config = mergeAgentConfig(config, flags);
  if (config.nodeName === "") {
    try {
      config.nodeName = platform.hostname();
    } catch (err) {
      throw new Error(`Error determining hostname: ${(err as Error).message}`, { cause: err });
    }
  }
  parseEventHandlers(config.eventHandlers);
  const interfaces = new Set(platform.networkInterfaces().map((i) => i.name));
  if (config.interface && !interfaces.has(config.interface)) {
    throw new Error("Invalid network interface: route ip+net: no such network interface");
  }
  checkMdnsConfig(config, interfaces);
  if (config.role !== "") {
    notices.push("Deprecation warning: 'Role' has been replaced with 'Tags'");
    config.tags.role = config.role;
  }
  if (config.retryIntervalMs < MIN_RETRY_INTERVAL_MS) {
    config.retryIntervalMs = MIN_RETRY_INTERVAL_MS;
    notices.push(
      `Warning: 'RetryInterval' is too low. Setting to ${formatGoDuration(config.retryIntervalMs)}`,
    );
  }
  if (config.broadcastTimeoutMs < MIN_BROADCAST_TIMEOUT_MS) {
    config.broadcastTimeoutMs = MIN_BROADCAST_TIMEOUT_MS;
    notices.push(
      `Warning: 'BroadcastTimeout' is too low. Setting to ${formatGoDuration(config.broadcastTimeoutMs)}`,
    );
  }
  if (config.rejoinAfterLeave && config.snapshotPath === "") {
    notices.push("Warning: 'RejoinAfterLeave' enabled without snapshot file");
  }
  return { config, notices };
}

/**
 * Checks a log level as Serf does (exact upper-case names after upper-casing).
 * @throws {RangeError} `Invalid log level: FOO. Valid log levels are: [TRACE DEBUG INFO WARN ERR]`
 */
export function checkLogLevel(level: string): ReturnType<typeof parseLogLevel> {
  const up = level.toUpperCase();
  if (!["TRACE", "DEBUG", "INFO", "WARN", "ERR"].includes(up)) {
    throw new RangeError(`Invalid log level: ${up}. Valid log levels are: [TRACE DEBUG INFO WARN ERR]`);
  }
  return parseLogLevel(up);
}

/**
 * Serf 0.10's checks of the mDNS settings, in its order and words. Like Serf,
 * they only run when `-mdns-iface` is given; without it, disabling both
 * families leaves a responder that never queries, and every poll logs why.
 *
 * @param interfaces names of this host's network interfaces
 * @throws {Error} `mDNS interface specified without enabling mDNS discovery`,
 * `Invalid mDNS network interface: ...` or
 * `Invalid mDNS configuration: both IPv4 and IPv6 are disabled`
 */
export function checkMdnsConfig(
  config: Pick<AgentConfig, "discover" | "mdnsInterface" | "mdnsDisableIpv4" | "mdnsDisableIpv6">,
  interfaces: ReadonlySet<string>,
): void {
  if (config.mdnsInterface === "") return;
  if (config.discover === "") throw new Error("mDNS interface specified without enabling mDNS discovery");
  if (!interfaces.has(config.mdnsInterface)) {
    throw new Error("Invalid mDNS network interface: route ip+net: no such network interface");
  }
  if (config.mdnsDisableIpv4 && config.mdnsDisableIpv6) {
    throw new Error("Invalid mDNS configuration: both IPv4 and IPv6 are disabled");
  }
}
