/**
 * Turns an agent config into what Serf needs: addresses resolved (with
 * `-iface` picking or checking the bind address), the timing profile, the
 * encryption key, and the agent's Serf settings (3 s / 1 s event coalescing,
 * size limits, reconnect and tombstone timeouts). Errors carry Serf's text.
 *
 * @module
 */
import { bytesToIp, ipToBytes, isIpLiteral } from "../util/addr.ts";
import type { Platform } from "../platform/platform.ts";
import {
  defaultLanConfig,
  defaultLocalConfig,
  defaultWanConfig,
  type MemberlistConfig,
} from "../memberlist/config.ts";
import { parseKeyBase64 } from "../memberlist/keyring.ts";
import type { SerfOptions } from "../serf/serf.ts";
import { type AgentConfig, DEFAULT_BIND_PORT } from "./config.ts";

/** An IP and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** Serf settings derived from the agent config; the agent adds transport, keyring and logger. */
export type AgentSerfSettings = Omit<SerfOptions, "memberlist"> & {
  memberlist: Partial<MemberlistConfig>;
};

/** `host:port` with brackets around IPv6, as Go's `net.JoinHostPort`. */
export function joinHostPort(a: HostPort): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * Splits `host[:port]` (port 7946 when missing), resolving a host name to an
 * IP (IPv4 first), as Serf's AddrParts does.
 * @throws {Error} Go's wording (`address ::1: too many colons in address`, `lookup x: no such host`)
 */
export async function addrParts(
  address: string,
  lookupHost: Platform["lookupHost"],
): Promise<HostPort> {
  let [host, portText] = splitHostPort(address);
  if (portText === undefined) [host, portText] = splitHostPort(`${address}:${DEFAULT_BIND_PORT}`);
  if (portText === undefined) throw new Error(`address ${address}: missing port in address`);
  // Go's resolver: an empty port is 0; a name it cannot look up as a service, or a number out of range, fails.
  if (!/^\d*$/.test(portText)) throw new Error(`address tcp/${portText}: unknown port`);
  const port = Number(portText);
  if (port > 65535) throw new Error(`address ${portText}: invalid port`);
  if (host === "") return { host: "0.0.0.0", port };
  if (isIpLiteral(host)) return { host: bytesToIp(ipToBytes(host)), port };
  let found: string[];
  try {
    found = await lookupHost(host);
  } catch {
    throw new Error(`lookup ${host}: no such host`);
  }
  if (found.length === 0) throw new Error(`lookup ${host}: no such host`);
  return { host: found[0]!, port };
}

/** Go's SplitHostPort; an undefined port means "missing port". */
function splitHostPort(s: string): [string, string | undefined] {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) throw new Error(`address ${s}: missing ']' in address`);
    const rest = s.slice(end + 1);
    if (rest === "") return [s.slice(1, end), undefined];
    if (!rest.startsWith(":") || rest.slice(1).includes(":")) {
      throw new Error(`address ${s}: unexpected text after ']' in address`);
    }
    return [s.slice(1, end), rest.slice(1)];
  }
  const colons = s.split(":").length - 1;
  if (colons === 0) return [s, undefined];
  if (colons > 1) throw new Error(`address ${s}: too many colons in address`);
  const i = s.indexOf(":");
  return [s.slice(0, i), s.slice(i + 1)];
}

/**
 * A join address with its host name resolved (memberlist only takes IPs);
 * Serf's `name/addr` form and unparsable text pass through for memberlist to judge.
 */
export async function resolveJoinAddress(text: string, lookupHost: Platform["lookupHost"]): Promise<string> {
  const slash = text.indexOf("/");
  const [name, address] = slash > 0 ? [text.slice(0, slash + 1), text.slice(slash + 1)] : ["", text];
  // Left as given (memberlist words the failure): an empty node name or host, or a name that does not resolve.
  if (slash === 0 || address === "" || address.startsWith(":")) return text;
  try {
    return name + joinHostPort(await addrParts(address, lookupHost));
  } catch {
    return text;
  }
}

/** memberlist's profile by name. @throws {RangeError} `Unknown profile: x` */
export function profileConfig(name: string): MemberlistConfig {
  switch (name) {
    case "lan":
      return defaultLanConfig();
    case "wan":
      return defaultWanConfig();
    case "local":
      return defaultLocalConfig();
    default:
      throw new RangeError(`Unknown profile: ${name}`);
  }
}

/**
 * The bind address, checked against (or picked from) `-iface` when given.
 * @param notice receives Serf's `Using interface 'eth0' address '10.0.0.5'`
 * @throws {Error} Serf's messages (`Invalid bind address: ...`, `Interface 'x' has no 'ip' address`)
 */
export async function resolveBindAddress(
  config: AgentConfig,
  platform: Pick<Platform, "lookupHost" | "networkInterfaces">,
  notice: (text: string) => void,
): Promise<HostPort> {
  let bind: HostPort;
  try {
    bind = await addrParts(config.bindAddr, platform.lookupHost);
  } catch (err) {
    throw new Error(`Invalid bind address: ${(err as Error).message}`);
  }
  if (!config.interface) return bind;
  const addrs = platform.networkInterfaces().filter((a) => a.name === config.interface);
  if (addrs.length === 0) throw new Error(`Interface '${config.interface}' has no addresses`);
  if (bind.host === "0.0.0.0") {
    const usable = addrs.find((a) => !isLinkLocalUnicast(a.address));
    if (!usable) throw new Error(`Failed to find usable address for interface '${config.interface}'`);
    notice(`Using interface '${config.interface}' address '${usable.address}'`);
    return { host: usable.address, port: bind.port };
  }
  if (!addrs.some((a) => a.address === bind.host)) {
    throw new Error(`Interface '${config.interface}' has no '${bind.host}' address`);
  }
  return bind;
}

/** Serf never binds to self-assigned addresses (169.254/16, fe80::/10). */
function isLinkLocalUnicast(ip: string): boolean {
  const b = ipToBytes(ip);
  if (b.length === 4) return b[0] === 169 && b[1] === 254;
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/**
 * Decodes `encrypt_key`.
 * @returns the key bytes, or undefined when no key is configured
 * @throws {SyntaxError} `Invalid encryption key: illegal base64 data at input byte N`
 */
export function encryptKeyBytes(config: AgentConfig): Uint8Array | undefined {
  if (!config.encryptKey) return undefined;
  try {
    return parseKeyBase64(config.encryptKey);
  } catch (err) {
    if (err instanceof SyntaxError) {
      const at = err.message.indexOf("illegal base64");
      throw new SyntaxError(`Invalid encryption key: ${at >= 0 ? err.message.slice(at) : err.message}`);
    }
    // A well-formed key of the wrong size fails later, where Serf reports it.
    return Uint8Array.from(atob(config.encryptKey), (c) => c.charCodeAt(0));
  }
}

/**
 * Serf settings for the agent (Serf's setupAgent): profile, addresses,
 * identity, limits and timeouts. Coalescing is on for member and user events
 * (3 s window, 1 s quiet), as `serf agent` runs it.
 *
 * @throws {RangeError} `Unknown profile: x`
 */
export function agentSerfSettings(
  config: AgentConfig,
  bind: HostPort,
  advertise: HostPort | undefined,
): AgentSerfSettings {
  const memberlist = {
    ...profileConfig(config.profile),
    bindAddr: bind.host,
    bindPort: bind.port,
    advertiseAddr: advertise?.host ?? "",
    advertisePort: advertise?.port ?? 0,
    enableCompression: config.enableCompression,
    tcpOnly: config.tcpOnly,
  };
  const settings: AgentSerfSettings = {
    nodeName: config.nodeName,
    tags: { ...config.tags },
    snapshotPath: config.snapshotPath,
    protocolVersion: config.protocol,
    coalescePeriodMs: 3_000,
    quiescentPeriodMs: 1_000,
    userCoalescePeriodMs: 3_000,
    userQuiescentPeriodMs: 1_000,
    queryResponseSizeLimit: config.queryResponseSizeLimit,
    querySizeLimit: config.querySizeLimit,
    userEventSizeLimit: config.userEventSizeLimit,
    enableNameConflictResolution: !config.disableNameResolution,
    keyringFile: config.keyringFile,
    rejoinAfterLeave: config.rejoinAfterLeave,
    // Serf 0.9.4's agent parses disable_coordinates but never passes it on; we honour it.
    disableCoordinates: config.disableCoordinates,
    validateNodeNames: config.validateNodeNames,
    memberlist,
  };
  if (config.reconnectIntervalMs !== 0) settings.reconnectIntervalMs = config.reconnectIntervalMs;
  if (config.reconnectTimeoutMs !== 0) settings.reconnectTimeoutMs = config.reconnectTimeoutMs;
  if (config.tombstoneTimeoutMs !== 0) settings.tombstoneTimeoutMs = config.tombstoneTimeoutMs;
  if (config.broadcastTimeoutMs !== 0) settings.broadcastTimeoutMs = config.broadcastTimeoutMs;
  return settings;
}
