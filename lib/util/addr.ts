/**
 * Network addresses as memberlist carries them: IPs as raw 4- or 16-byte arrays on
 * the wire, `host:port` strings for operators.
 *
 * @module
 */
import { DecodeError } from "./errors.ts";

/**
 * A UDP/TCP endpoint. `host` is an IP literal (IPv4 dotted or IPv6) or a hostname.
 *
 * @example A transport reports the address it is bound to
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Address, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const network = new MemoryNetwork({ clock: new VirtualClock(), rng: new SeededRandom(1) });
 * const where: Address = { host: "10.0.0.1", port: 7946 };
 * const transport = network.listen(where);
 * assert.deepEqual(transport.localAddress, where);
 * ```
 */
export interface Address {
  /** IP literal or host name. */
  host: string;
  /** UDP/TCP port. */
  port: number;
}

/** Formats an address as `host:port`, with brackets for IPv6 as Go's `net.JoinHostPort` does. */
export function formatAddress(a: Address): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * Parses `host:port`, `[v6]:port`, or a bare host (with `defaultPort`).
 * @throws {TypeError} when the port is not a number in 0..65535
 */
export function parseAddress(text: string, defaultPort?: number): Address {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) throw new TypeError(`Cannot parse address: missing ']' in ${text}`);
    host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest.startsWith(":")) portText = rest.slice(1);
    else if (rest !== "") throw new TypeError(`Cannot parse address: unexpected text after ']' in ${text}`);
  } else {
    const colons = s.split(":").length - 1;
    if (colons === 1) {
      const i = s.lastIndexOf(":");
      host = s.slice(0, i);
      portText = s.slice(i + 1);
    } else {
      host = s; // bare host or bare IPv6
    }
  }
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) throw new TypeError(`Cannot parse address: missing port in ${text}`);
    port = defaultPort;
  } else {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
      throw new TypeError(`Cannot parse address: port must be 0-65535: current value is ${portText}`);
    }
  }
  return { host, port };
}

/** Encodes an IP literal as memberlist puts it on the wire (4 bytes for IPv4, 16 for IPv6). */
export function ipToBytes(ip: string): Uint8Array {
  const v4 = parseIPv4(ip);
  if (v4) return v4;
  const v6 = parseIPv6(ip);
  if (v6) return v6;
  throw new TypeError(`Cannot encode address: not an IP literal: current value is ${ip}`);
}

/** Decodes 4 or 16 raw bytes into an IP literal; IPv4-mapped IPv6 is shown as IPv4, as Go does. */
export function bytesToIp(b: Uint8Array): string {
  // A template, not Array.from(b).join("."): this runs for every node gossiped to or joined.
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length === 16) {
    const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    if (mapped) return Array.from(b.slice(12)).join(".");
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
    return compressIPv6(groups);
  }
  throw new TypeError(`Cannot decode address: expected 4 or 16 bytes: current length is ${b.length}`);
}

/**
 * An address a peer sent (raw IP bytes and a port) as one we can send to.
 * What a peer sends is bad input, not a bug, so a wrong length or a port
 * outside 1-65535 is a `DecodeError`, which receive paths drop and count.
 * @param what names the field in the error, e.g. "indirect ping target"
 * @throws {DecodeError} for an IP of other than 4 or 16 bytes or an unusable port
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressFromWire } from "./addr.ts";
 * import { DecodeError } from "./errors.ts";
 *
 * assert.deepEqual(addressFromWire(new Uint8Array([10, 0, 0, 1]), 7946, "target"), { host: "10.0.0.1", port: 7946 });
 * assert.throws(() => addressFromWire(new Uint8Array(0), 7946, "target"), DecodeError);
 * ```
 */
export function addressFromWire(ip: Uint8Array, port: number, what: string): Address {
  if (ip.length !== 4 && ip.length !== 16) {
    throw new DecodeError(
      `Cannot use ${what} address: expected 4 or 16 bytes: current length is ${ip.length}`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DecodeError(`Cannot use ${what} address: port must be in 1-65535: current value is ${port}`);
  }
  return { host: bytesToIp(ip), port };
}

/** True if `ip` is an IPv4 or IPv6 literal. */
export function isIpLiteral(ip: string): boolean {
  return parseIPv4(ip) !== null || parseIPv6(ip) !== null;
}

function parseIPv4(ip: string): Uint8Array | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseIPv6(ip: string): Uint8Array | null {
  if (!ip.includes(":")) return null;
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const v4 = parseIPv4(maybeV4);
    if (!v4) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = text.slice(0, lastColon + 1) + "0"; // placeholder group, replaced below
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (tail.length) (halves.length === 2 ? rest : head).pop();
  const groups = [...head, ...rest].map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  if (groups.some(Number.isNaN)) return null;
  const total = groups.length + tail.length;
  if (halves.length === 1 && total !== 8) return null;
  if (halves.length === 2 && total > 7) return null;
  const fill = new Array(8 - total).fill(0);
  const all = halves.length === 2
    ? [...head.map((g) => parseInt(g, 16)), ...fill, ...rest.map((g) => parseInt(g, 16)), ...tail]
    : [...groups, ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function compressIPv6(groups: string[]): string {
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return groups.join(":");
  return `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLen).join(":")}`;
}
