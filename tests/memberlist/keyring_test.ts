import assert from "node:assert/strict";
import { encodeKeyBase64, Keyring, parseKeyBase64, validateKey } from "../../lib/memberlist/keyring.ts";

const k1 = new Uint8Array(16).fill(1);
const k2 = new Uint8Array(24).fill(2);
const k3 = new Uint8Array(32).fill(3);

Deno.test("validateKey accepts AES-128, AES-192 and AES-256 key sizes", () => {
  for (const size of [16, 24, 32]) validateKey(new Uint8Array(size));
  for (const size of [0, 7, 15, 17, 31, 33, 64]) {
    assert.throws(() => validateKey(new Uint8Array(size)), {
      name: "RangeError",
      message: `Cannot use encryption key: key size must be 16, 24 or 32 bytes: current size is ${size}`,
    });
  }
});

Deno.test("Keyring with no keys is empty, meaning encryption is off", () => {
  const ring = new Keyring();
  assert.deepEqual(ring.getKeys(), []);
  assert.equal(ring.getPrimaryKey(), undefined);
  assert.deepEqual(new Keyring([], new Uint8Array(0)).getKeys(), []);
});

Deno.test("Keyring puts the primary key first and ignores duplicates", () => {
  const ring = new Keyring([k1, k2, k3, k2], k3);
  assert.deepEqual(ring.getKeys(), [k3, k1, k2]);
  assert.deepEqual(ring.getPrimaryKey(), k3);
});

Deno.test("Keyring adds a primary key missing from the key list", () => {
  const ring = new Keyring([k1], k2);
  assert.deepEqual(ring.getKeys(), [k2, k1]);
});

Deno.test("Keyring refuses keys without a primary and keys of the wrong size", () => {
  assert.throws(() => new Keyring([k1]), {
    name: "RangeError",
    message: "Cannot create keyring: empty primary key not allowed",
  });
  assert.throws(() => new Keyring([new Uint8Array(7)], k1), {
    name: "RangeError",
    message: "Cannot use encryption key: key size must be 16, 24 or 32 bytes: current size is 7",
  });
});

Deno.test("Keyring.addKey makes the first key primary and keeps the primary afterwards", () => {
  const ring = new Keyring();
  ring.addKey(k1);
  ring.addKey(k2);
  ring.addKey(k1);
  assert.deepEqual(ring.getKeys(), [k1, k2]);
  assert.throws(() => ring.addKey(new Uint8Array(20)), RangeError);
});

Deno.test("Keyring.useKey switches the primary key to an installed key", () => {
  const ring = new Keyring([k2, k3], k1);
  ring.useKey(k3.slice());
  assert.deepEqual(ring.getKeys(), [k3, k1, k2]);
  assert.throws(() => ring.useKey(new Uint8Array(16).fill(9)), {
    name: "RangeError",
    message: "Requested key is not in the keyring",
  });
});

Deno.test("Keyring.removeKey drops secondary keys but never the primary", () => {
  const ring = new Keyring([k2, k3], k1);
  ring.removeKey(k2);
  assert.deepEqual(ring.getKeys(), [k1, k3]);
  ring.removeKey(new Uint8Array(16).fill(9)); // not installed: nothing happens
  assert.deepEqual(ring.getKeys(), [k1, k3]);
  assert.throws(() => ring.removeKey(k1), {
    name: "RangeError",
    message: "Removing the primary key is not allowed",
  });
  new Keyring().removeKey(k1); // empty keyring: nothing to remove
});

Deno.test("Keyring copies keys and hands out a stable snapshot per change", () => {
  const key = new Uint8Array(16).fill(5);
  const ring = new Keyring([], key);
  key.fill(6);
  assert.deepEqual(ring.getPrimaryKey(), new Uint8Array(16).fill(5));

  const before = ring.getKeys();
  assert.equal(ring.getKeys(), before, "unchanged keyring returns the same array");
  assert.ok(Object.isFrozen(before));
  ring.addKey(k3);
  assert.equal(before.length, 1, "an earlier snapshot does not change");
  assert.equal(ring.getKeys().length, 2);
});

Deno.test("parseKeyBase64 decodes Serf's keys", () => {
  const key = parseKeyBase64("cg8StVXbQJ0gPvMd9o7yrg==");
  assert.equal(key.length, 16);
  assert.deepEqual(
    Array.from(key.subarray(0, 4)),
    [0x72, 0x0f, 0x12, 0xb5],
  );
  assert.equal(parseKeyBase64("QHOYjmYlxSCBhdfiolhtDQdLb2zrCGeIW6UkWRQe8aE=").length, 32);
  assert.equal(parseKeyBase64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYX").length, 24);
});

Deno.test("parseKeyBase64 ignores line breaks like Go's decoder", () => {
  assert.deepEqual(
    parseKeyBase64("cg8StVXbQJ0g\r\nPvMd9o7yrg==\n"),
    parseKeyBase64("cg8StVXbQJ0gPvMd9o7yrg=="),
  );
});

Deno.test("parseKeyBase64 rejects malformed base64 with the offending offset", () => {
  // Offsets as Go's base64.StdEncoding reports them for the same input.
  const cases: [string, number][] = [
    ["cg8StVXbQJ0gPvMd9o7yrg", 20], // missing padding
    ["cg8StVXbQJ0gPvMd9o7yrg=", 23], // half the padding
    ["cg8StVXbQJ0gPvMd9o7yr===", 21],
    ["cg8StVXbQJ0gPvMd9o7yr=g=", 21],
    ["cg8StVXbQJ0g PvMd9o7yrg==", 12],
    ["cg8StVXb=J0gPvMd9o7yrg==", 8],
    ["cg8StVXbQJ0gPvMd9o7y-g==", 20],
    ["cg8StVXbQJ0gPvMd9o7yrg==x", 24], // data after padding
    ["cg8StVXbQJ0gPvMd9o7yrg==AAAA", 24],
    ["abc", 0],
  ];
  for (const [text, at] of cases) {
    assert.throws(() => parseKeyBase64(text), {
      name: "SyntaxError",
      message: `Cannot decode encryption key: illegal base64 data at input byte ${at}`,
    }, text);
  }
});

Deno.test("parseKeyBase64 rejects keys of the wrong size", () => {
  assert.throws(() => parseKeyBase64("aGVsbG8="), {
    name: "RangeError",
    message: "Cannot use encryption key: key size must be 16, 24 or 32 bytes: current size is 5",
  });
});

Deno.test("encodeKeyBase64 writes padded standard base64 that parses back", () => {
  for (const size of [16, 24, 32]) {
    const key = Uint8Array.from({ length: size }, (_, i) => (i * 37 + 11) & 255);
    const text = encodeKeyBase64(key);
    assert.equal(text, btoa(String.fromCharCode(...key)));
    assert.deepEqual(parseKeyBase64(text), key);
  }
  assert.equal(encodeKeyBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
});
