/**
 * Serf's JSON config files and directories: the keys `serf agent` accepts
 * (its mapstructure tags), its strict decoding (unknown keys and wrong types
 * are errors, worded as Serf words them) and its reading order (paths as
 * given; a directory contributes its `*.json` files in lexical order, one
 * level deep).
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import { goFsError } from "../util/go_fs_error.ts";
import { goJsonFirstValue, goJsonSyntaxError } from "../util/go_json_error.ts";
import { type AgentConfig, emptyAgentConfig } from "./config.ts";
import { parseGoDuration } from "../util/duration.ts";

type Kind = "string" | "int" | "bool" | "strings" | "tags" | "duration";
/** JSON key → config field and the type Serf decodes it as, or a nested block's own table. */
type KeyTable = Record<string, [keyof AgentConfig, Kind] | { kind: "block"; keys: KeyTable }>;

/** Serf 0.10's `mdns` block. */
const MDNS_KEYS: KeyTable = {
  interface: ["mdnsInterface", "string"],
  disable_ipv4: ["mdnsDisableIpv4", "bool"],
  disable_ipv6: ["mdnsDisableIpv6", "bool"],
};

/** The top-level keys. */
const KEYS: KeyTable = {
  node_name: ["nodeName", "string"],
  role: ["role", "string"],
  disable_coordinates: ["disableCoordinates", "bool"],
  validate_node_names: ["validateNodeNames", "bool"],
  tags: ["tags", "tags"],
  tags_file: ["tagsFile", "string"],
  bind: ["bindAddr", "string"],
  advertise: ["advertiseAddr", "string"],
  encrypt_key: ["encryptKey", "string"],
  keyring_file: ["keyringFile", "string"],
  log_level: ["logLevel", "string"],
  rpc_addr: ["rpcAddr", "string"],
  rpc_auth: ["rpcAuthKey", "string"],
  http_addr: ["httpAddr", "string"],
  http_auth: ["httpAuth", "string"],
  protocol: ["protocol", "int"],
  replay_on_join: ["replayOnJoin", "bool"],
  query_response_size_limit: ["queryResponseSizeLimit", "int"],
  query_size_limit: ["querySizeLimit", "int"],
  user_event_size_limit: ["userEventSizeLimit", "int"],
  start_join: ["startJoin", "strings"],
  event_handlers: ["eventHandlers", "strings"],
  profile: ["profile", "string"],
  snapshot_path: ["snapshotPath", "string"],
  leave_on_terminate: ["leaveOnTerm", "bool"],
  skip_leave_on_interrupt: ["skipLeaveOnInt", "bool"],
  discover: ["discover", "string"],
  interface: ["interface", "string"],
  mdns: { kind: "block", keys: MDNS_KEYS },
  reconnect_interval: ["reconnectIntervalMs", "duration"],
  reconnect_timeout: ["reconnectTimeoutMs", "duration"],
  tombstone_timeout: ["tombstoneTimeoutMs", "duration"],
  disable_name_resolution: ["disableNameResolution", "bool"],
  enable_syslog: ["enableSyslog", "bool"],
  syslog_facility: ["syslogFacility", "string"],
  retry_join: ["retryJoin", "strings"],
  retry_max_attempts: ["retryMaxAttempts", "int"],
  retry_interval: ["retryIntervalMs", "duration"],
  rejoin_after_leave: ["rejoinAfterLeave", "bool"],
  enable_compression: ["enableCompression", "bool"],
  statsite_addr: ["statsiteAddr", "string"],
  statsd_addr: ["statsdAddr", "string"],
  broadcast_timeout: ["broadcastTimeoutMs", "duration"],
  tcp_only: ["tcpOnly", "bool"],
};

/** Go's duration keys are parsed after decoding, in this order (the first bad one is reported). */
const DURATION_ORDER = [
  "reconnect_interval",
  "reconnect_timeout",
  "tombstone_timeout",
  "retry_interval",
  "broadcast_timeout",
];

/**
 * Decodes one JSON config document into a config where unset fields are empty.
 *
 * @example
 * ```ts
 * import { decodeAgentConfig } from "./config_file.ts";
 * import assert from "node:assert/strict";
 *
 * const c = decodeAgentConfig('{"node_name": "web-1", "retry_interval": "10s"}');
 * assert.equal(c.nodeName, "web-1");
 * assert.equal(c.retryIntervalMs, 10_000);
 * ```
 * @throws {SyntaxError} for invalid JSON, unknown keys, wrong types (Serf's
 * `1 error(s) decoding:` list) or bad durations (`time: invalid duration "x"`)
 */
export function decodeAgentConfig(text: string): AgentConfig {
  if (text.trim() === "") throw new SyntaxError("EOF");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Serf reads config with a json.Decoder: Go's syntax error wording, and text after the value is ignored.
    const first = goJsonFirstValue(text);
    if (first === undefined) {
      throw new SyntaxError(goJsonSyntaxError(text, "decoder") ?? (err as Error).message, { cause: err });
    }
    raw = JSON.parse(first);
  }
  const config = emptyAgentConfig();
  if (raw === null) return config;
  // mapstructure refuses a non-object outright, not in its "N error(s) decoding" list.
  if (!isObject(raw)) throw new SyntaxError(`'' expected a map, got '${goKind(raw)}'`);
  const errors: string[] = [];
  const durations = new Map<string, string>();
  decodeMap(raw, KEYS, "", { config, errors, durations });
  if (errors.length > 0) throw new SyntaxError(decodingErrors(errors));
  const c = config as unknown as Record<string, unknown>;
  for (const key of DURATION_ORDER) {
    const text = durations.get(key);
    if (text !== undefined && text !== "") {
      c[(KEYS[key] as [keyof AgentConfig, Kind])[0]] = parseGoDuration(text);
    }
  }
  return config;
}

/** Where {@linkcode decodeMap} puts what it decodes. */
interface DecodeTarget {
  config: AgentConfig;
  errors: string[];
  durations: Map<string, string>;
}

/**
 * Decodes one JSON object against a key table, as mapstructure does with
 * `ErrorUnused`: keys match case-insensitively, nested blocks report their
 * fields as `block.key`, and unknown keys are one error per object.
 */
function decodeMap(raw: Record<string, unknown>, keys: KeyTable, prefix: string, into: DecodeTarget): void {
  const { config, errors, durations } = into;
  const unused: string[] = [];
  const c = config as unknown as Record<string, unknown>;
  for (const [jsonKey, value] of Object.entries(raw)) {
    const key = jsonKey.toLowerCase();
    const canonical = prefix === "" ? key : `${prefix}.${key}`;
    const spec = keys[key];
    if (!spec) {
      unused.push(jsonKey);
      continue;
    }
    if (value === null) continue; // Serf leaves the field unset
    if (!Array.isArray(spec)) {
      if (isObject(value)) decodeMap(value, spec.keys, canonical, into);
      else errors.push(`'${canonical}' expected a map, got '${goKind(value)}'`);
      continue;
    }
    const [field, kind] = spec;
    const error = (goType: string) =>
      `'${canonical}' expected type '${goType}', got unconvertible type '${goTypeOf(value)}', value: '${
        goValue(value)
      }'`;
    switch (kind) {
      case "string":
        if (typeof value === "string") c[field] = value;
        else errors.push(error("string"));
        break;
      case "duration":
        if (typeof value === "string") durations.set(canonical, value);
        else errors.push(error("string"));
        break;
      case "int":
        if (typeof value === "number") c[field] = Math.trunc(value);
        else errors.push(error("int"));
        break;
      case "bool":
        if (typeof value === "boolean") c[field] = value;
        else errors.push(error("bool"));
        break;
      case "strings":
        if (!Array.isArray(value)) {
          errors.push(`'${canonical}': source data must be an array or slice, got ${goKind(value)}`);
          break;
        }
        c[field] = value.map((item, i) => {
          if (typeof item === "string") return item;
          errors.push(
            `'${canonical}[${i}]' expected type 'string', got unconvertible type '${
              goTypeOf(item)
            }', value: '${goValue(item)}'`,
          );
          return "";
        });
        break;
      case "tags":
        if (!isObject(value)) {
          errors.push(`'${canonical}' expected a map, got '${goKind(value)}'`);
          break;
        }
        for (const [k, v] of Object.entries(value)) {
          if (typeof v === "string") config.tags[k] = v;
          else if (v !== null) {
            errors.push(
              `'${canonical}[${k}]' expected type 'string', got unconvertible type '${
                goTypeOf(v)
              }', value: '${goValue(v)}'`,
            );
          }
        }
        break;
    }
  }
  if (unused.length > 0) errors.push(`'${prefix}' has invalid keys: ${unused.sort().join(", ")}`);
}

/**
 * Reads config files and directories in order and merges them (Serf's
 * ReadConfigPaths), starting from an empty config.
 *
 * @param merge the merge rule (`mergeAgentConfig`), injected to keep this module about files
 * @throws {Error} `Error reading '<path>': ...` or `Error decoding '<path>': ...`
 */
export async function readConfigPaths(
  paths: readonly string[],
  fs: Pick<Platform, "readFile" | "readDir" | "stat">,
  merge: (a: AgentConfig, b: AgentConfig) => AgentConfig,
): Promise<AgentConfig> {
  let result = emptyAgentConfig();
  const decodeFile = async (path: string) => {
    let data: Uint8Array;
    try {
      data = await fs.readFile(path);
    } catch (err) {
      throw new Error(`Error reading '${path}': ${goFsError("open", path, err)}`, { cause: err });
    }
    try {
      return decodeAgentConfig(new TextDecoder().decode(data));
    } catch (err) {
      throw new Error(`Error decoding '${path}': ${(err as Error).message}`, { cause: err });
    }
  };
  for (const path of paths) {
    let info: { isDirectory: boolean } | null;
    try {
      info = await fs.stat(path);
    } catch (err) {
      throw new Error(`Error reading '${path}': ${goFsError("open", path, err)}`, { cause: err });
    }
    if (info === null) {
      throw new Error(`Error reading '${path}': open ${path}: no such file or directory`);
    }
    if (!info.isDirectory) {
      result = merge(result, await decodeFile(path));
      continue;
    }
    let entries;
    try {
      entries = await fs.readDir(path);
    } catch (err) {
      throw new Error(`Error reading '${path}': ${goFsError("readdirent", path, err)}`, { cause: err });
    }
    const names = entries.filter((e) => !e.isDirectory && e.name.endsWith(".json")).map((e) => e.name);
    for (const name of names.sort(compareBytes)) {
      result = merge(result, await decodeFile(joinPath(path, name)));
    }
  }
  return result;
}

/** Go's `filepath.Join` for a directory and a plain file name (cleans `./`, `//` and trailing slashes). */
function joinPath(dir: string, name: string): string {
  const absolute = dir.startsWith("/");
  const parts: string[] = [];
  for (const part of `${dir}/${name}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !absolute) parts.push(part);
  }
  return (absolute ? "/" : "") + parts.join("/");
}

/** Go sorts file names bytewise; compare UTF-8 bytes, not UTF-16 units. */
function compareBytes(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  }
  return ea.length - eb.length;
}

function decodingErrors(errors: string[]): string {
  const points = errors.map((e) => `* ${e}`).sort();
  return `${errors.length} error(s) decoding:\n\n${points.join("\n")}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The Go type encoding/json gives a JSON value when decoding into `interface{}`. */
function goTypeOf(v: unknown): string {
  if (typeof v === "number") return "float64";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** The reflect.Kind name of a decoded JSON value. */
function goKind(v: unknown): string {
  if (typeof v === "number") return "float64";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  return Array.isArray(v) ? "slice" : "map";
}

/** A JSON value printed as Go's `%v` prints it. */
function goValue(v: unknown): string {
  if (typeof v === "number") {
    return Math.abs(v) >= 1e21 || (v !== 0 && Math.abs(v) < 1e-4)
      ? v.toExponential().replace(/e([+-])(\d)$/, "e$10$2")
      : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(" ")}]`;
  }
  return v === null ? "<nil>" : String(v);
}
