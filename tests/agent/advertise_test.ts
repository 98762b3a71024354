import assert from "node:assert/strict";
import { pickAdvertiseIp } from "../../lib/agent/advertise.ts";

Deno.test("pickAdvertiseIp prefers a private IPv4, then an IPv6 unique-local, then loopback", () => {
  const lo = { name: "lo", address: "127.0.0.1", family: "IPv4" as const };
  const pub = { name: "eth0", address: "192.0.2.2", family: "IPv4" as const };
  const ula = { name: "eth0", address: "fd00::2", family: "IPv6" as const };
  const priv = { name: "eth1", address: "10.1.2.3", family: "IPv4" as const };
  assert.deepEqual(pickAdvertiseIp([lo, pub, ula, priv]), { ip: "10.1.2.3", fallback: false });
  assert.deepEqual(pickAdvertiseIp([lo, pub, ula]), { ip: "fd00::2", fallback: false });
  assert.deepEqual(pickAdvertiseIp([lo, pub]), { ip: "127.0.0.1", fallback: true });
  assert.deepEqual(pickAdvertiseIp([{ name: "e", address: "172.20.0.5", family: "IPv4" }]).ip, "172.20.0.5");
  assert.deepEqual(pickAdvertiseIp([{ name: "e", address: "172.32.0.5", family: "IPv4" }]).fallback, true);
});
