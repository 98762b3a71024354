/**
 * The shared alive encodings: always the bytes encodeMessage gives, shared
 * only while every field is the same.
 */
import assert from "node:assert/strict";
import { encodeAliveShared } from "../../lib/memberlist/alive_encodings.ts";
import type { AliveMessage } from "../../lib/memberlist/messages.ts";
import { encodeMessage } from "../../lib/memberlist/wire.ts";
import { SeededRandom } from "../../lib/util/random.ts";

Deno.test("encodeAliveShared gives encodeMessage's bytes and shares them only for the same claim", () => {
  const rng = new SeededRandom(5);
  const int = (n: number) => Math.floor(rng.next() * n);
  const names = ["a", "b", "web-1"];
  const latest = new Map<string, { key: string; bytes: Uint8Array }>();
  for (let i = 0; i < 3000; i++) {
    const a: AliveMessage = {
      type: "alive",
      incarnation: int(3),
      node: names[int(names.length)]!,
      addr: int(2) ? new Uint8Array([10, 0, 0, int(2)]) : new Uint8Array(16).fill(int(2)),
      port: 7946 + int(2),
      meta: new Uint8Array(int(3)).fill(int(2)),
      vsn: int(4) ? [1, 5, 2, 2, 5, int(2) + 4] : [1, 5, 2],
    };
    // Fresh arrays each time: equal content must still match, by bytes.
    const bytes = encodeAliveShared(a, a.addr.slice(), a.meta.slice());
    assert.deepEqual(bytes, encodeMessage(a), `message ${i}`);
    const key = JSON.stringify([a.incarnation, [...a.addr], a.port, [...a.meta], a.vsn]);
    const before = latest.get(a.node);
    if (before?.key === key) assert.equal(bytes, before.bytes, `message ${i} should reuse the encoding`);
    else if (before) {
      assert.notEqual(bytes, before.bytes, `message ${i} must not reuse a different claim's bytes`);
    }
    latest.set(a.node, { key, bytes });
  }
});
