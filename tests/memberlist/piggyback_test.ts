import assert from "node:assert/strict";
import { MessageType } from "../../lib/memberlist/messages.ts";
import { packPiggyback } from "../../lib/memberlist/outbound.ts";
import {
  addCrc,
  decodeCompoundMessage,
  makeCompoundMessage,
  makeUserMessage,
  verifyCrc,
} from "../../lib/memberlist/wire.ts";
import { randomInt, SeededRandom } from "../../lib/util/random.ts";

function randomBytes(rng: SeededRandom, max: number): Uint8Array {
  return Uint8Array.from({ length: randomInt(rng, max) }, () => randomInt(rng, 256));
}

/** The compound the obvious way: user parts framed first, then every part copied behind the table. */
function referenceCompound(parts: Uint8Array[], userParts: Uint8Array[]): number[] {
  const all = [...parts, ...userParts.map((u) => [MessageType.user, ...u])].map((p) => [...p]);
  return [
    MessageType.compound,
    all.length,
    ...all.flatMap((p) => [p.length >> 8, p.length & 0xff]),
    ...all.flat(),
  ];
}

Deno.test("makeCompoundMessage frames user parts as user messages after the other parts", () => {
  const rng = new SeededRandom(7);
  for (let round = 0; round < 300; round++) {
    const parts = Array.from({ length: randomInt(rng, 6) }, () => randomBytes(rng, 150));
    const userParts = Array.from({ length: randomInt(rng, 6) }, () => randomBytes(rng, 150));
    const packed = makeCompoundMessage(parts, userParts);
    assert.deepEqual([...packed], referenceCompound(parts, userParts), `round ${round}`);
    const { parts: back, truncated } = decodeCompoundMessage(packed.subarray(1));
    assert.equal(truncated, 0);
    assert.deepEqual(
      back.map((p) => [...p]),
      [...parts, ...userParts.map(makeUserMessage)].map((p) => [...p]),
    );
  }
});

Deno.test("makeCompoundMessage counts user parts in its limits", () => {
  const one = new Uint8Array(1);
  assert.throws(() => makeCompoundMessage(new Array(200).fill(one), new Array(56).fill(one)), {
    name: "RangeError",
    message: "Cannot make compound message: at most 255 parts: current value is 256",
  });
  assert.throws(() => makeCompoundMessage([], [new Uint8Array(65535)]), {
    name: "RangeError",
    message: "Cannot make compound message: a part exceeds 65535 bytes: current value is 65536",
  });
  assert.equal(makeCompoundMessage([], [new Uint8Array(65534)]).length, 2 + 2 + 65535);
});

Deno.test("compounds and checksums built one after another do not share bytes", () => {
  const rng = new SeededRandom(3);
  const built = Array.from({ length: 500 }, () => {
    const payload = randomBytes(rng, 1400);
    return { payload, compound: makeCompoundMessage([payload]), crc: addCrc(payload) };
  });
  for (const { payload, compound, crc } of built) {
    assert.deepEqual(decodeCompoundMessage(compound.subarray(1)).parts[0], payload);
    assert.deepEqual(verifyCrc(crc), payload);
  }
});

Deno.test("makeUserMessage prefixes the user type byte", () => {
  assert.deepEqual(makeUserMessage(new Uint8Array([9, 8])), new Uint8Array([MessageType.user, 9, 8]));
});

Deno.test("packPiggyback sends a lone message as is and several as one compound", () => {
  const a = new Uint8Array([MessageType.alive, 1]);
  const b = new Uint8Array([MessageType.suspect, 2]);
  const u = new Uint8Array([42]);
  assert.equal(packPiggyback(undefined, { own: [], user: [] }), undefined);
  assert.equal(packPiggyback(a, { own: [], user: [] }), a);
  assert.equal(packPiggyback(undefined, { own: [b], user: [] }), b);
  assert.deepEqual(packPiggyback(undefined, { own: [], user: [u] }), makeUserMessage(u));
  assert.deepEqual(
    packPiggyback(a, { own: [b], user: [u] }),
    makeCompoundMessage([a, b, makeUserMessage(u)]),
  );
  assert.deepEqual(packPiggyback(undefined, { own: [], user: [u, u] }), makeCompoundMessage([], [u, u]));
});
