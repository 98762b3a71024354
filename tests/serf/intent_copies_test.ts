import assert from "node:assert/strict";
import { sharedIntentCopy } from "../../lib/serf/intent_copies.ts";

Deno.test("sharedIntentCopy owns its bytes and shares them between equal intents", () => {
  const packet = new Uint8Array([7, 1, 2, 3, 4, 7]);
  const first = sharedIntentCopy(packet.subarray(1, 5));
  packet.fill(0);
  assert.deepEqual(first, new Uint8Array([1, 2, 3, 4]), "unaffected by reuse of the packet");
  assert.equal(sharedIntentCopy(new Uint8Array([1, 2, 3, 4])), first);
  assert.notEqual(sharedIntentCopy(new Uint8Array([1, 2, 3, 5])), first);
});

Deno.test("sharedIntentCopy copies long messages without sharing them", () => {
  const long = new Uint8Array(300).fill(5);
  const a = sharedIntentCopy(long);
  assert.deepEqual(a, long);
  assert.notEqual(a, long);
  assert.notEqual(sharedIntentCopy(long), a);
});
