import assert from "node:assert/strict";
import {
  decryptPayload,
  encryptedLength,
  type EncryptionVersion,
  encryptOverhead,
  encryptPayload,
} from "../../lib/memberlist/security.ts";
import { SecurityError } from "../../lib/util/errors.ts";

/** One vector of tests/data/golden/security.json (made by scripts/golden/security, checked against memberlist). */
interface Vector {
  name: string;
  version: EncryptionVersion;
  key: string;
  nonce: string;
  plaintext: string;
  additionalData: string;
  payload: string;
}

const golden: { vectors: Vector[] } = JSON.parse(
  await Deno.readTextFile(new URL("../data/golden/security.json", import.meta.url)),
);

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const key16 = new Uint8Array(16).fill(0x11);
const key24 = new Uint8Array(24).fill(0x22);
const key32 = new Uint8Array(32).fill(0x33);
const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog");

Deno.test("golden vectors cover both versions, every key size and additional data", () => {
  const names = golden.vectors.map((v) => v.name);
  for (const vsn of [0, 1]) {
    for (const bits of [128, 192, 256]) {
      assert.ok(names.includes(`v${vsn}-aes${bits}-long-ad`), `v${vsn}-aes${bits}`);
    }
  }
  assert.equal(golden.vectors.length, 48);
});

Deno.test("encryptPayload reproduces memberlist's bytes for a fixed nonce", () => {
  for (const v of golden.vectors) {
    const out = encryptPayload(v.version, hex(v.key), hex(v.plaintext), hex(v.additionalData), {
      nonce: () => hex(v.nonce),
    });
    assert.equal(toHex(out), v.payload, v.name);
  }
});

Deno.test("decryptPayload opens memberlist's payloads, trying each key in turn", () => {
  const wrong = new Uint8Array(32).fill(0xee);
  for (const v of golden.vectors) {
    const plain = decryptPayload([wrong, hex(v.key)], hex(v.payload), hex(v.additionalData));
    assert.equal(toHex(plain), v.plaintext, v.name);
  }
});

Deno.test("decryptPayload treats missing additional data as empty", () => {
  for (const v of golden.vectors.filter((v) => v.additionalData === "")) {
    assert.equal(toHex(decryptPayload([hex(v.key)], hex(v.payload))), v.plaintext, v.name);
  }
});

Deno.test("encryptPayload and decryptPayload round-trip every size across block boundaries", () => {
  for (const key of [key16, key24, key32]) {
    for (const vsn of [0, 1] as const) {
      for (const size of [0, 1, 15, 16, 17, 31, 32, 33, 1_400, 65_537]) {
        const plain = Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) & 255);
        const ad = size % 2 ? new Uint8Array([10, 0, 0, size & 255, 1]) : undefined;
        const sealed = encryptPayload(vsn, key, plain, ad);
        assert.equal(sealed.length, encryptedLength(vsn, size), `length ${key.length}/${vsn}/${size}`);
        assert.equal(sealed[0], vsn);
        assert.deepEqual(decryptPayload([key], sealed, ad), plain, `${key.length}/${vsn}/${size}`);
      }
    }
  }
});

Deno.test("encryptPayload uses a fresh random nonce each time", () => {
  const a = encryptPayload(1, key32, text);
  const b = encryptPayload(1, key32, text);
  assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
  assert.notDeepEqual(a, b);
});

Deno.test("decryptPayload rejects a payload sealed with another key", () => {
  for (const key of [key16, key24, key32]) {
    const sealed = encryptPayload(1, key, text);
    assert.throws(() => decryptPayload([new Uint8Array(key.length)], sealed), {
      name: "SecurityError",
      message: "No installed keys could decrypt the message",
    });
  }
  assert.throws(() => decryptPayload([], encryptPayload(1, key16, text)), SecurityError);
});

Deno.test("decryptPayload rejects tampered ciphertext, tag, nonce or additional data", () => {
  for (const key of [key16, key24, key32]) {
    const ad = new Uint8Array([1, 2, 3]);
    const sealed = encryptPayload(1, key, text, ad);
    for (const at of [1, 12, 13, 20, sealed.length - 16, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 0x01;
      assert.throws(() => decryptPayload([key], bad, ad), SecurityError, `byte ${at}, key ${key.length}`);
    }
    assert.throws(() => decryptPayload([key], sealed, new Uint8Array([1, 2, 4])), SecurityError);
    assert.throws(() => decryptPayload([key], sealed), SecurityError);
  }
});

Deno.test("decryptPayload skips installed keys of an unusable size", () => {
  const sealed = encryptPayload(1, key16, text);
  assert.deepEqual(decryptPayload([new Uint8Array(7), key16], sealed), text);
});

Deno.test("decryptPayload reports empty, unknown-version and truncated payloads as DecodeError", () => {
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(0), "Cannot decrypt empty payload"],
    [new Uint8Array(60).fill(2), "Unsupported encryption version 2"],
    [new Uint8Array(44), "Payload is too small to decrypt: 44"], // version 0 needs 45
    [Uint8Array.of(1, ...new Uint8Array(27)), "Payload is too small to decrypt: 28"], // version 1 needs 29
  ];
  for (const [payload, message] of cases) {
    assert.throws(() => decryptPayload([key16], payload), { name: "DecodeError", message });
  }
  // The shortest legal payloads are only rejected by authentication.
  assert.throws(() => decryptPayload([key16], new Uint8Array(45)), SecurityError);
  assert.throws(() => decryptPayload([key16], Uint8Array.of(1, ...new Uint8Array(28))), SecurityError);
});

Deno.test("decryptPayload rejects invalid version 0 padding after authentication", () => {
  // The version byte is not authenticated, so a version 1 message relabelled
  // as version 0 opens fine and then fails the padding check.
  for (const last of [0, 17, 200]) {
    const plain = new Uint8Array(16).fill(last);
    const sealed = encryptPayload(1, key16, plain);
    sealed[0] = 0;
    assert.throws(() => decryptPayload([key16], sealed), {
      name: "DecodeError",
      message: `Cannot decrypt payload: invalid padding length: ${last}`,
    });
  }
  const sealed = encryptPayload(1, key16, new Uint8Array(16).fill(16));
  sealed[0] = 0;
  assert.deepEqual(decryptPayload([key16], sealed), new Uint8Array(0));
});

Deno.test("encryptedLength and encryptOverhead match memberlist", () => {
  assert.equal(encryptOverhead(0), 45);
  assert.equal(encryptOverhead(1), 29);
  assert.equal(encryptedLength(0, 0), 45);
  assert.equal(encryptedLength(0, 15), 45);
  assert.equal(encryptedLength(0, 16), 61);
  assert.equal(encryptedLength(0, 17), 61);
  assert.equal(encryptedLength(1, 0), 29);
  assert.equal(encryptedLength(1, 17), 46);
  for (let n = 0; n < 100; n++) {
    for (const vsn of [0, 1] as const) assert.ok(encryptedLength(vsn, n) - n <= encryptOverhead(vsn));
  }
});

Deno.test("encryptPayload rejects bad versions, keys and nonces", () => {
  assert.throws(() => encryptPayload(2 as EncryptionVersion, key16, text), {
    name: "RangeError",
    message: "Cannot use encryption version: expected 0 or 1: current value is 2",
  });
  assert.throws(() => encryptPayload(1, new Uint8Array(7), text), {
    name: "RangeError",
    message: "Cannot use encryption key: key size must be 16, 24 or 32 bytes: current size is 7",
  });
  assert.throws(() => encryptPayload(1, key16, text, undefined, { nonce: () => new Uint8Array(8) }), {
    name: "RangeError",
    message: "Cannot encrypt payload: nonce must be 12 bytes: current size is 8",
  });
  assert.throws(() => encryptedLength(3 as EncryptionVersion, 1), RangeError);
});
