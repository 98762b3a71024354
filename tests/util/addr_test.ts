import assert from "node:assert/strict";
import { bytesToIp, ipToBytes } from "../../lib/util/addr.ts";
import { SeededRandom } from "../../lib/util/random.ts";

Deno.test("bytesToIp writes IPv4 as dotted decimal and round-trips through ipToBytes", () => {
  const rng = new SeededRandom(3);
  for (let i = 0; i < 2000; i++) {
    const b = Uint8Array.from({ length: 4 }, () => Math.floor(rng.next() * 256));
    const ip = bytesToIp(b);
    assert.equal(ip, [...b].map(String).join("."));
    assert.deepEqual([...ipToBytes(ip)], [...b]);
  }
  assert.equal(bytesToIp(new Uint8Array([0, 0, 0, 0])), "0.0.0.0");
  assert.equal(bytesToIp(new Uint8Array([255, 255, 255, 255])), "255.255.255.255");
});

Deno.test("bytesToIp shows IPv4-mapped IPv6 as IPv4 and refuses other lengths", () => {
  const mapped = new Uint8Array(16);
  mapped.set([0xff, 0xff, 10, 0, 0, 1], 10);
  assert.equal(bytesToIp(mapped), "10.0.0.1");
  assert.equal(bytesToIp(ipToBytes("2001:db8::1")), "2001:db8::1");
  assert.throws(() => bytesToIp(new Uint8Array(5)), TypeError);
});
