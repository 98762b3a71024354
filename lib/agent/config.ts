/**
 * The `serf agent` configuration: every JSON key and flag Serf 0.9.4 accepts
 * (plus Serf 0.10's `mdns` block and `-mdns-*` flags), Serf's defaults, and its merge rule (defaults, then config files and
 * directories in the order given, then flags). Durations are milliseconds
 * (`Ms` suffix); in files and flags they are Go duration strings.
 *
 * A config that came from one source uses "unset" zero values (empty string,
 * 0, false, empty list), as Serf's does, so merging can tell which fields a
 * later source sets.
 *
 * @module
 */

/** Port used when an address has none. */
export const DEFAULT_BIND_PORT = 7946;
/** The join retry interval is raised to at least this. */
export const MIN_RETRY_INTERVAL_MS = 1_000;
/** The broadcast timeout is raised to at least this. */
export const MIN_BROADCAST_TIMEOUT_MS = 1_000;

export interface AgentConfig {
  /** Unique node name (`-node`, `node_name`). @default host name */
  nodeName: string;
  /** Deprecated: copied into the `role` tag (`-role`, `role`). @default "" */
  role: string;
  /** Do not compute network coordinates (`disable_coordinates`). @default false */
  disableCoordinates: boolean;
  /** Refuse invalid node names here and from peers (`validate_node_names`, Serf 0.10). @default false */
  validateNodeNames: boolean;
  /** Tags (`-tag k=v`, `tags`). @default {} */
  tags: Record<string, string>;
  /** File holding tags, rewritten when they change (`-tags-file`, `tags_file`). @default "" */
  tagsFile: string;
  /** `host[:port]` to listen on (`-bind`, `bind`). @default "0.0.0.0" */
  bindAddr: string;
  /** `host[:port]` to advertise (`-advertise`, `advertise`). @default "" (the bind address) */
  advertiseAddr: string;
  /** Base64 gossip key (`-encrypt`, `encrypt_key`). @default "" */
  encryptKey: string;
  /** Keyring file (`-keyring-file`, `keyring_file`). @default "" */
  keyringFile: string;
  /** TRACE, DEBUG, INFO, WARN or ERR (`-log-level`, `log_level`). @default "INFO" */
  logLevel: string;
  /** RPC listener (`-rpc-addr`, `rpc_addr`). @default "127.0.0.1:7373" */
  rpcAddr: string;
  /** Key RPC clients must present (`rpc_auth`). @default "" */
  rpcAuthKey: string;
  /**
   * HTTP API and dashboard listener, `ip:port`; off when empty (`-http-addr`,
   * `http_addr`; a serfts extension, see the README's "HTTP API"). @default ""
   */
  httpAddr: string;
  /**
   * Bearer token every `/v1/*` and `/metrics` request must carry when set
   * (`-http-auth`, `http_auth`; a serfts extension). @default ""
   */
  httpAuth: string;
  /** Serf protocol version (`-protocol`, `protocol`). @default 5 */
  protocol: number;
  /** Replay old user events on the startup join (`-replay`, `replay_on_join`). @default false */
  replayOnJoin: boolean;
  /** Largest query response in bytes (`query_response_size_limit`). @default 1024 */
  queryResponseSizeLimit: number;
  /** Largest query in bytes (`query_size_limit`). @default 1024 */
  querySizeLimit: number;
  /** Largest user event in bytes (`user_event_size_limit`). @default 512 */
  userEventSizeLimit: number;
  /** Joined at start; failure is fatal (`-join`, `start_join`). @default [] */
  startJoin: string[];
  /** Handler specs (`-event-handler`, `event_handlers`). @default [] */
  eventHandlers: string[];
  /** lan, wan or local (`-profile`, `profile`). @default "lan" */
  profile: string;
  /** Snapshot file (`-snapshot`, `snapshot_path`). @default "" */
  snapshotPath: string;
  /** Leave gracefully on SIGTERM (`leave_on_terminate`). @default false */
  leaveOnTerm: boolean;
  /** Skip the graceful leave on SIGINT (`skip_leave_on_interrupt`). @default false */
  skipLeaveOnInt: boolean;
  /** mDNS cluster name (`-discover`, `discover`). @default "" */
  discover: string;
  /** Network interface to bind to (`-iface`, `interface`); also mDNS's unless `mdnsInterface` is set. @default "" */
  interface: string;
  /** Interface mDNS uses instead of `interface` (`-mdns-iface`, `mdns.interface`; Serf 0.10). @default "" */
  mdnsInterface: string;
  /** mDNS queries skip IPv4 (`-mdns-disable-ipv4`, `mdns.disable_ipv4`; Serf 0.10). @default false */
  mdnsDisableIpv4: boolean;
  /** mDNS queries skip IPv6 (`-mdns-disable-ipv6`, `mdns.disable_ipv6`; Serf 0.10). @default false */
  mdnsDisableIpv6: boolean;
  /** How often to retry failed nodes; 0 keeps Serf's 30 s (`reconnect_interval`). @default 0 */
  reconnectIntervalMs: number;
  /** When failed nodes are reaped; 0 keeps Serf's 24 h (`reconnect_timeout`). @default 0 */
  reconnectTimeoutMs: number;
  /** When left nodes are reaped; 0 keeps Serf's 24 h (`tombstone_timeout`). @default 0 */
  tombstoneTimeoutMs: number;
  /** Do not resolve name conflicts (`disable_name_resolution`). @default false */
  disableNameResolution: boolean;
  /** Also log to syslog (`-syslog`, `enable_syslog`). @default false */
  enableSyslog: boolean;
  /** Syslog facility (`syslog_facility`). @default "LOCAL0" */
  syslogFacility: string;
  /** Joined in the background until one succeeds (`-retry-join`, `retry_join`). @default [] */
  retryJoin: string[];
  /** Retry-join attempts before giving up; 0 is unlimited (`-retry-max`, `retry_max_attempts`). @default 0 */
  retryMaxAttempts: number;
  /** Pause between retry joins (`-retry-interval`, `retry_interval`). @default 30000 */
  retryIntervalMs: number;
  /** Rejoin from the snapshot even after a leave (`-rejoin`, `rejoin_after_leave`). @default false */
  rejoinAfterLeave: boolean;
  /** LZW-compress gossip (`enable_compression`; `-disable-compression` clears it). @default true from flags */
  enableCompression: boolean;
  /** Metrics sinks (`statsite_addr`, `statsd_addr`); accepted, not implemented. @default "" */
  statsiteAddr: string;
  /** @default "" */
  statsdAddr: string;
  /** Leave and force-leave broadcast timeout (`-broadcast-timeout`, `broadcast_timeout`). @default 5000 */
  broadcastTimeoutMs: number;
  /**
   * Send probes, gossip and user messages over TCP, for networks that drop UDP
   * (`-tcp-only`, `tcp_only`; a serfts extension, see the README). @default false
   */
  tcpOnly: boolean;
}

/** A config with every field unset, the starting point of a single source (a file, the flags). */
export function emptyAgentConfig(): AgentConfig {
  return {
    nodeName: "",
    role: "",
    disableCoordinates: false,
    validateNodeNames: false,
    tags: {},
    tagsFile: "",
    bindAddr: "",
    advertiseAddr: "",
    encryptKey: "",
    keyringFile: "",
    logLevel: "",
    rpcAddr: "",
    rpcAuthKey: "",
    httpAddr: "",
    httpAuth: "",
    protocol: 0,
    replayOnJoin: false,
    queryResponseSizeLimit: 0,
    querySizeLimit: 0,
    userEventSizeLimit: 0,
    startJoin: [],
    eventHandlers: [],
    profile: "",
    snapshotPath: "",
    leaveOnTerm: false,
    skipLeaveOnInt: false,
    discover: "",
    interface: "",
    mdnsInterface: "",
    mdnsDisableIpv4: false,
    mdnsDisableIpv6: false,
    reconnectIntervalMs: 0,
    reconnectTimeoutMs: 0,
    tombstoneTimeoutMs: 0,
    disableNameResolution: false,
    enableSyslog: false,
    syslogFacility: "",
    retryJoin: [],
    retryMaxAttempts: 0,
    retryIntervalMs: 0,
    rejoinAfterLeave: false,
    enableCompression: false,
    statsiteAddr: "",
    statsdAddr: "",
    broadcastTimeoutMs: 0,
    tcpOnly: false,
  };
}

/** Serf's agent defaults (agent.DefaultConfig). */
export function defaultAgentConfig(): AgentConfig {
  return {
    ...emptyAgentConfig(),
    bindAddr: "0.0.0.0", // every interface, port 7946
    logLevel: "INFO",
    rpcAddr: "127.0.0.1:7373", // RPC is unauthenticated by default: loopback only
    protocol: 5,
    profile: "lan",
    retryIntervalMs: 30_000,
    syslogFacility: "LOCAL0",
    queryResponseSizeLimit: 1024, // fits a UDP packet with headers
    querySizeLimit: 1024,
    userEventSizeLimit: 512,
    broadcastTimeoutMs: 5_000,
  };
}

type StringKey = {
  [K in keyof AgentConfig]: AgentConfig[K] extends string ? K : never;
}[keyof AgentConfig];
type NumberKey = {
  [K in keyof AgentConfig]: AgentConfig[K] extends number ? K : never;
}[keyof AgentConfig];

/** Fields a later source overrides when it sets them (non-empty / non-zero / true). */
const OVERRIDE_STRINGS: StringKey[] = [
  "nodeName",
  "role",
  "bindAddr",
  "advertiseAddr",
  "encryptKey",
  "logLevel",
  "rpcAddr",
  "rpcAuthKey",
  "httpAddr",
  "httpAuth",
  "profile",
  "snapshotPath",
  "discover",
  "interface",
  "mdnsInterface",
  "tagsFile",
  "keyringFile",
  "syslogFacility",
  "statsiteAddr",
  "statsdAddr",
];
const OVERRIDE_NUMBERS: NumberKey[] = [
  "reconnectIntervalMs",
  "reconnectTimeoutMs",
  "tombstoneTimeoutMs",
  "retryMaxAttempts",
  "retryIntervalMs",
  "queryResponseSizeLimit",
  "querySizeLimit",
  "userEventSizeLimit",
  "broadcastTimeoutMs",
];
const STICKY_TRUE = [
  "disableCoordinates",
  "validateNodeNames",
  "replayOnJoin",
  "leaveOnTerm",
  "skipLeaveOnInt",
  "disableNameResolution",
  "enableSyslog",
  "rejoinAfterLeave",
  "mdnsDisableIpv4",
  "mdnsDisableIpv6",
  "tcpOnly",
] as const;

/**
 * Merges `b` over `a` with Serf's rules: set strings and non-zero numbers
 * override, booleans can only be switched on, `protocol` overrides when
 * positive (the flag's "unset" is -1), tags merge key by key, the join and
 * handler lists append. `enableCompression` is always taken from `b`, as Serf
 * does, which makes the flags (where it defaults to on) decide it.
 *
 * @example
 * ```ts
 * import { defaultAgentConfig, emptyAgentConfig, mergeAgentConfig } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const file = { ...emptyAgentConfig(), eventHandlers: ["a.sh"], nodeName: "web-1" };
 * const flags = { ...emptyAgentConfig(), eventHandlers: ["b.sh"] };
 * const merged = mergeAgentConfig(mergeAgentConfig(defaultAgentConfig(), file), flags);
 * assert.deepEqual(merged.eventHandlers, ["a.sh", "b.sh"]);
 * assert.equal(merged.nodeName, "web-1");
 * ```
 */
export function mergeAgentConfig(a: AgentConfig, b: AgentConfig): AgentConfig {
  const result: AgentConfig = { ...a, tags: { ...a.tags } };
  for (const key of OVERRIDE_STRINGS) if (b[key] !== "") result[key] = b[key];
  for (const key of OVERRIDE_NUMBERS) if (b[key] !== 0) result[key] = b[key];
  for (const key of STICKY_TRUE) if (b[key]) result[key] = true;
  if (b.protocol > 0) result.protocol = b.protocol;
  Object.assign(result.tags, b.tags);
  result.enableCompression = b.enableCompression;
  result.eventHandlers = [...a.eventHandlers, ...b.eventHandlers];
  result.startJoin = [...a.startJoin, ...b.startJoin];
  result.retryJoin = [...a.retryJoin, ...b.retryJoin];
  return result;
}

/**
 * Parses `-tag` values (`key=value`; the value may contain `=` and be empty).
 * @throws {SyntaxError} `Invalid tag: '<tag>'` for a missing `=` or an empty key
 */
export function parseTagFlags(list: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of list) {
    const i = tag.indexOf("=");
    if (i <= 0) throw new SyntaxError(`Invalid tag: '${tag}'`);
    tags[tag.slice(0, i)] = tag.slice(i + 1);
  }
  return tags;
}
