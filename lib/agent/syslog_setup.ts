/**
 * Serf's syslog start-up for the agent command: check the facility, pick the
 * socket paths, dial the daemon once. Any failure is one line for the operator,
 * `Syslog setup failed: ...`, in Serf's words.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import type { Platform } from "../platform/platform.ts";
import type { AgentConfig } from "./config.ts";
import { parseSyslogFacility } from "./syslog_format.ts";
import { DEFAULT_SYSLOG_PATHS, SyslogWriter } from "./syslog_writer.ts";

/** Names the syslog socket paths for a built binary (tests, hosts with the daemon elsewhere); `:`-separated. */
export const SYSLOG_PATHS_ENV = "SERFTS_SYSLOG_PATHS";

/**
 * The syslog socket paths: {@linkcode SYSLOG_PATHS_ENV} if set, else `paths`,
 * else Serf's list.
 */
export function syslogPaths(platform: Platform, paths?: readonly string[]): readonly string[] {
  const fromEnv = platform.env(SYSLOG_PATHS_ENV)?.split(":").filter((p) => p !== "");
  if (fromEnv && fromEnv.length > 0) return fromEnv;
  return paths ?? DEFAULT_SYSLOG_PATHS;
}

/**
 * Opens the agent's syslog sink for `config.syslogFacility`.
 * @throws {Error} `Syslog setup failed: invalid syslog facility: FOO` or
 * `Syslog setup failed: Unix syslog delivery error` (no daemon), as Serf prints them
 */
export async function openAgentSyslog(
  config: AgentConfig,
  platform: Platform,
  paths?: readonly string[],
): Promise<SyslogWriter> {
  try {
    return await SyslogWriter.open({
      dial: platform.dialUnix,
      facility: parseSyslogFacility(config.syslogFacility),
      pid: platform.pid(),
      paths: syslogPaths(platform, paths),
    });
  } catch (err) {
    throw new Error(`Syslog setup failed: ${errorMessage(err)}`);
  }
}
