import assert from "node:assert/strict";
import {
  flattenMetricKey,
  formatGoFloat,
  packStatsdLines,
  STATSD_MAX_PACKET_BYTES,
  statsdLine,
} from "../../lib/util/statsd_line.ts";

Deno.test("statsdLine writes go-metrics' gauge, counter and sample lines", () => {
  assert.equal(
    statsdLine(["serf-agent", "h", "runtime", "sys_bytes"], 12958736, "g"),
    "serf-agent.h.runtime.sys_bytes:12958736.000000|g\n",
  );
  assert.equal(
    statsdLine(["serf-agent", "memberlist", "udp", "sent"], 61, "c"),
    "serf-agent.memberlist.udp.sent:61.000000|c\n",
  );
  assert.equal(
    statsdLine(["serf-agent", "memberlist", "gossip"], 0.009819, "ms"),
    "serf-agent.memberlist.gossip:0.009819|ms\n",
  );
});

Deno.test("flattenMetricKey replaces colons and spaces, keeps other characters", () => {
  assert.equal(flattenMetricKey(["agent", "invoke", "echo ok"]), "agent.invoke.echo_ok");
  assert.equal(flattenMetricKey(["serf", "events", "a:b"]), "serf.events.a_b");
  assert.equal(flattenMetricKey(["serf", "coordinate", "adjustment-ms"]), "serf.coordinate.adjustment-ms");
  assert.equal(flattenMetricKey(["x"], [{ name: "a", value: "1 2" }, { name: "b", value: "3" }]), "x.1_2.3");
});

Deno.test("formatGoFloat prints float32 values with six decimals as Go's %f does", () => {
  assert.equal(formatGoFloat(0), "0.000000");
  assert.equal(formatGoFloat(-1.5), "-1.500000");
  assert.equal(formatGoFloat(0.1), "0.100000");
  assert.equal(formatGoFloat(0.0000004), "0.000000");
  assert.equal(formatGoFloat(123456789), "123456792.000000"); // float32 rounding, as Go prints it
  assert.equal(formatGoFloat(Number.NaN), "NaN");
  assert.equal(formatGoFloat(Number.POSITIVE_INFINITY), "+Inf");
});

Deno.test("packStatsdLines fills packets up to 1400 bytes without splitting a line", () => {
  const line = statsdLine(["serf-agent", "memberlist", "gossip"], 0.5, "ms"); // 41 bytes
  assert.equal(line.length, 41);
  const packets = packStatsdLines(new Array(100).fill(line));
  const perPacket = Math.floor(STATSD_MAX_PACKET_BYTES / 41);
  assert.deepEqual(packets.map((p) => p.length), [
    perPacket * 41,
    perPacket * 41,
    (100 - 2 * perPacket) * 41,
  ]);
  const text = packets.map((p) => new TextDecoder().decode(p)).join("");
  assert.equal(text, line.repeat(100));
});

Deno.test("packStatsdLines sends an oversized line alone and nothing for no lines", () => {
  const big = "x".repeat(2000) + "\n";
  const small = "y\n";
  assert.deepEqual(packStatsdLines([small, big, small]).map((p) => p.length), [2, 2001, 2]);
  assert.deepEqual(packStatsdLines([]), []);
});
