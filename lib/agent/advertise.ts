/**
 * Choosing the address to advertise when the agent binds to all interfaces,
 * as Serf does through go-sockaddr: prefer a private address (RFC 1918,
 * RFC 6598, then IPv6 unique-local), so peers on the same network reach us.
 *
 * @module
 */
import type { InterfaceAddress } from "../platform/platform.ts";

function isPrivateV4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127);
}

function isUniqueLocalV6(ip: string): boolean {
  return /^f[cd][0-9a-f]{2}:/i.test(ip);
}

function isLoopback(a: InterfaceAddress): boolean {
  return a.family === "IPv4" ? a.address.startsWith("127.") : a.address === "::1";
}

/**
 * The address to advertise for an unspecified bind.
 * @returns the IP and whether it is only a loopback fallback (worth a warning)
 */
export function pickAdvertiseIp(addresses: readonly InterfaceAddress[]): { ip: string; fallback: boolean } {
  const usable = addresses.filter((a) => !isLoopback(a) && !a.address.startsWith("fe80:"));
  const pick = usable.find((a) => a.family === "IPv4" && isPrivateV4(a.address)) ??
    usable.find((a) => a.family === "IPv6" && isUniqueLocalV6(a.address));
  if (pick) return { ip: pick.address, fallback: false };
  // No private address: a single-host cluster on loopback still works, so
  // prefer that to refusing to start; the caller warns the operator.
  return { ip: "127.0.0.1", fallback: true };
}
