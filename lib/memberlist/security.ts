/**
 * memberlist's message encryption, byte-compatible with Go nodes:
 *
 * ```
 * [version: 1 byte][nonce: 12 random bytes][AES-GCM ciphertext][GCM tag: 16 bytes]
 * ```
 *
 * Version 0 pads the plaintext with PKCS#7 to a multiple of 16 bytes before
 * sealing (protocol version 1 peers expect it); version 1 does not, since GCM
 * needs no padding. The additional data is authenticated but not sent: the
 * 5-byte stream header for TCP state syncs, and for UDP packets nothing in
 * memberlist 0.2.2 or the packet label in 0.5+ (an empty label is the same
 * as no additional data, so the two interoperate).
 *
 * This uses `node:crypto` (`createCipheriv`) rather than WebCrypto on purpose:
 * it is synchronous on both Deno and Bun. `crypto.subtle` only returns
 * promises, which would force an event-loop turn into every packet send and
 * receive and make the engine's packet path, and its ordering guarantees,
 * asynchronous for encrypted clusters only.
 *
 * Deno's `node:crypto` has no `aes-192-gcm` (24-byte keys, which memberlist
 * accepts), so for that case GCM is assembled from AES-ECB and AES-CTR with a
 * GHASH written here (NIST SP 800-38D). It is slower than native GCM, which is
 * acceptable for a key size nobody generates by default.
 *
 * @module
 */

import type * as NodeCrypto from "node:crypto";
import { lazyBuiltin } from "../util/builtin.ts";

/** Loaded on the first encrypt or decrypt: an agent without a keyring never pays for it. */
const nodeCrypto = lazyBuiltin<typeof NodeCrypto>("node:crypto");
import { DecodeError, SecurityError } from "../util/errors.ts";
import { validateKey } from "./keyring.ts";
import { concatBytes } from "../util/bytes.ts";

/** Encryption format versions: 0 pads the plaintext (PKCS#7), 1 does not. */
export type EncryptionVersion = 0 | 1;

/** Oldest encryption version we read and write. */
export const MIN_ENCRYPTION_VERSION: EncryptionVersion = 0;
/** Newest encryption version we read and write. */
export const MAX_ENCRYPTION_VERSION: EncryptionVersion = 1;

const VERSION_SIZE = 1;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BLOCK_SIZE = 16;

/** Options for {@linkcode encryptPayload}. */
export interface EncryptOptions {
  /**
   * Source of the 12-byte nonce. Tests inject a fixed one to reproduce golden
   * vectors; production must use fresh random nonces, since reusing a nonce
   * with the same key breaks GCM.
   * @default {node:crypto randomBytes}
   */
  nonce?: (size: number) => Uint8Array;
}

/**
 * The most bytes encryption adds to a message: version, nonce and tag, plus up
 * to a block of padding in version 0. Used to size packets before encrypting.
 *
 * @example
 * ```ts
 * import { encryptOverhead } from "./security.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(encryptOverhead(0), 45);
 * assert.equal(encryptOverhead(1), 29);
 * ```
 */
export function encryptOverhead(vsn: EncryptionVersion): number {
  checkVersion(vsn);
  return VERSION_SIZE + NONCE_SIZE + TAG_SIZE + (vsn === 0 ? BLOCK_SIZE : 0);
}

/**
 * The exact size of an encrypted message whose plaintext is `inputLen` bytes.
 *
 * @example
 * ```ts
 * import { encryptedLength } from "./security.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(encryptedLength(1, 100), 129);
 * assert.equal(encryptedLength(0, 16), 61); // a full block of padding
 * ```
 */
export function encryptedLength(vsn: EncryptionVersion, inputLen: number): number {
  checkVersion(vsn);
  const padding = vsn === 0 ? BLOCK_SIZE - (inputLen % BLOCK_SIZE) : 0;
  return VERSION_SIZE + NONCE_SIZE + inputLen + padding + TAG_SIZE;
}

/**
 * Encrypts `plaintext` with `key` in memberlist's format.
 *
 * @param vsn encryption version (1 unless talking to protocol version 1 peers)
 * @param key the keyring's primary key: 16, 24 or 32 bytes
 * @param plaintext the message to seal
 * @param additionalData bytes authenticated alongside, not included in the output
 * @throws {RangeError} for an unknown version, a bad key size or a nonce that is not 12 bytes.
 *
 * @example
 * ```ts
 * import { decryptPayload, encryptPayload } from "./security.ts";
 * import assert from "node:assert/strict";
 *
 * const key = new Uint8Array(32).fill(7);
 * const sealed = encryptPayload(1, key, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(decryptPayload([key], sealed), new Uint8Array([1, 2, 3]));
 * ```
 */
export function encryptPayload(
  vsn: EncryptionVersion,
  key: Uint8Array,
  plaintext: Uint8Array,
  additionalData?: Uint8Array,
  options: EncryptOptions = {},
): Uint8Array {
  checkVersion(vsn);
  validateKey(key);
  const nonce = (options.nonce ?? nodeCrypto().randomBytes)(NONCE_SIZE);
  if (nonce.length !== NONCE_SIZE) {
    throw new RangeError(
      `Cannot encrypt payload: nonce must be ${NONCE_SIZE} bytes: current size is ${nonce.length}`,
    );
  }

  let src = plaintext;
  if (vsn === 0) {
    const pad = BLOCK_SIZE - (plaintext.length % BLOCK_SIZE);
    src = new Uint8Array(plaintext.length + pad);
    src.set(plaintext);
    src.fill(pad, plaintext.length);
  }

  const out = new Uint8Array(encryptedLength(vsn, plaintext.length));
  out[0] = vsn;
  out.set(nonce, VERSION_SIZE);
  const aad = additionalData ?? new Uint8Array(0);
  if (hasNativeGcm(key.length)) {
    const cipher = nodeCrypto().createCipheriv(gcmName(key.length), key, nonce);
    cipher.setAAD(aad);
    const body = cipher.update(src);
    cipher.final();
    out.set(body, VERSION_SIZE + NONCE_SIZE);
    out.set(cipher.getAuthTag(), VERSION_SIZE + NONCE_SIZE + src.length);
  } else {
    out.set(portableSeal(key, nonce, src, aad), VERSION_SIZE + NONCE_SIZE);
  }
  return out;
}

/**
 * Decrypts a message in memberlist's format, trying each key in order (put the
 * primary first: it is the most likely to match).
 *
 * @param keys the installed keys, as {@linkcode Keyring.getKeys} returns them
 * @param payload version byte, nonce, ciphertext and tag
 * @param additionalData must equal what the sender authenticated
 * @returns the plaintext with any version-0 padding removed (a new array)
 * @throws {DecodeError} if the payload is empty, too short, of an unknown
 * version, or carries invalid padding.
 * @throws {SecurityError} "No installed keys could decrypt the message" when
 * no key authenticates it (wrong key, tampering or wrong additional data).
 *
 * @example
 * ```ts
 * import { decryptPayload, encryptPayload } from "./security.ts";
 * import { SecurityError } from "../util/errors.ts";
 * import assert from "node:assert/strict";
 *
 * const sealed = encryptPayload(1, new Uint8Array(16).fill(1), new Uint8Array([9]));
 * assert.throws(() => decryptPayload([new Uint8Array(16)], sealed), SecurityError);
 * ```
 */
export function decryptPayload(
  keys: readonly Uint8Array[],
  payload: Uint8Array,
  additionalData?: Uint8Array,
): Uint8Array {
  if (payload.length === 0) throw new DecodeError("Cannot decrypt empty payload");
  const vsn = payload[0]!;
  if (vsn > MAX_ENCRYPTION_VERSION) throw new DecodeError(`Unsupported encryption version ${vsn}`);
  if (payload.length < encryptedLength(vsn as EncryptionVersion, 0)) {
    throw new DecodeError(`Payload is too small to decrypt: ${payload.length}`);
  }

  const nonce = payload.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  const sealed = payload.subarray(VERSION_SIZE + NONCE_SIZE);
  const aad = additionalData ?? new Uint8Array(0);
  for (const key of keys) {
    const plain = open(key, nonce, sealed, aad);
    if (plain) return vsn === 0 ? removePadding(plain) : plain;
  }
  throw new SecurityError("No installed keys could decrypt the message");
}

/** Opens `ciphertext || tag`; null when the key does not authenticate it. */
function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) return null;
  const body = sealed.subarray(0, sealed.length - TAG_SIZE);
  const tag = sealed.subarray(sealed.length - TAG_SIZE);
  if (!hasNativeGcm(key.length)) return portableOpen(key, nonce, body, tag, aad);
  try {
    const decipher = nodeCrypto().createDecipheriv(gcmName(key.length), key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    decipher.final();
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
  } catch {
    return null;
  }
}

function removePadding(plain: Uint8Array): Uint8Array {
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK_SIZE || pad > plain.length) {
    throw new DecodeError(`Cannot decrypt payload: invalid padding length: ${pad}`);
  }
  return plain.subarray(0, plain.length - pad);
}

function checkVersion(vsn: number): void {
  if (vsn !== 0 && vsn !== 1) {
    throw new RangeError(`Cannot use encryption version: expected 0 or 1: current value is ${vsn}`);
  }
}

type GcmName = "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm";

function gcmName(keyLength: number): GcmName {
  return `aes-${keyLength * 8}-gcm` as GcmName;
}

const nativeGcm = new Map<number, boolean>();

/** Whether the runtime's `node:crypto` implements GCM for this key size (probed once). */
function hasNativeGcm(keyLength: number): boolean {
  let known = nativeGcm.get(keyLength);
  if (known === undefined) {
    try {
      nodeCrypto().createCipheriv(gcmName(keyLength), new Uint8Array(keyLength), new Uint8Array(NONCE_SIZE));
      known = true;
    } catch {
      known = false;
    }
    nativeGcm.set(keyLength, known);
  }
  return known;
}

// ---- GCM from AES-ECB + AES-CTR, for runtimes lacking a native mode ----

/** E_K(0^128) for GHASH and E_K(J0) for the tag, where J0 = nonce || 1. */
function gcmSubkeys(key: Uint8Array, nonce: Uint8Array): { h: Uint8Array; tagMask: Uint8Array } {
  const ecb = nodeCrypto().createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  ecb.setAutoPadding(false);
  const j0 = new Uint8Array(BLOCK_SIZE);
  j0.set(nonce);
  j0[15] = 1;
  const both = ecb.update(concatBytes([new Uint8Array(BLOCK_SIZE), j0]));
  return { h: both.subarray(0, BLOCK_SIZE), tagMask: both.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE) };
}

/**
 * GCM's keystream starts at counter 2 (J0 + 1). CTR mode increments all 128
 * bits where GCM increments the low 32, which differ only after 2^32 blocks.
 */
function gcmCtr(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const counter = new Uint8Array(BLOCK_SIZE);
  counter.set(nonce);
  counter[15] = 2;
  const ctr = nodeCrypto().createCipheriv(`aes-${key.length * 8}-ctr`, key, counter);
  return ctr.update(data);
}

function portableTag(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const { h, tagMask } = gcmSubkeys(key, nonce);
  const s = ghash(h, aad, ciphertext);
  for (let i = 0; i < BLOCK_SIZE; i++) s[i]! ^= tagMask[i]!;
  return s;
}

function portableSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const ciphertext = gcmCtr(key, nonce, plaintext);
  return concatBytes([ciphertext, portableTag(key, nonce, ciphertext, aad)]);
}

function portableOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  if (!nodeCrypto().timingSafeEqual(portableTag(key, nonce, ciphertext, aad), tag)) return null;
  const plain = gcmCtr(key, nonce, ciphertext);
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
}

/** GHASH_H(A || pad || C || pad || [len(A)]64 || [len(C)]64), lengths in bits. */
function ghash(h: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const view = new DataView(h.buffer, h.byteOffset, BLOCK_SIZE);
  const hw = [view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12)] as const;
  const y = new Uint32Array(4);
  const absorb = (data: Uint8Array) => {
    for (let off = 0; off < data.length; off += BLOCK_SIZE) {
      for (let w = 0; w < 4; w++) {
        let word = 0;
        for (let b = 0; b < 4; b++) word = (word << 8) | (data[off + w * 4 + b] ?? 0);
        y[w]! ^= word;
      }
      gfMultiply(y, hw);
    }
  };
  absorb(aad);
  absorb(ciphertext);
  const lengths = new Uint8Array(BLOCK_SIZE);
  const lv = new DataView(lengths.buffer);
  lv.setUint32(0, Math.floor((aad.length * 8) / 2 ** 32));
  lv.setUint32(4, (aad.length * 8) >>> 0);
  lv.setUint32(8, Math.floor((ciphertext.length * 8) / 2 ** 32));
  lv.setUint32(12, (ciphertext.length * 8) >>> 0);
  absorb(lengths);

  const out = new Uint8Array(BLOCK_SIZE);
  const ov = new DataView(out.buffer);
  for (let w = 0; w < 4; w++) ov.setUint32(w * 4, y[w]!);
  return out;
}

/** y = y * h in GF(2^128) with GCM's bit order (SP 800-38D, algorithm 1). */
function gfMultiply(y: Uint32Array, h: readonly [number, number, number, number]): void {
  let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
  let [v0, v1, v2, v3] = h;
  for (let i = 0; i < 128; i++) {
    if ((y[i >>> 5]! >>> (31 - (i & 31))) & 1) {
      z0 ^= v0;
      z1 ^= v1;
      z2 ^= v2;
      z3 ^= v3;
    }
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 >>>= 1;
    if (carry) v0 ^= 0xe1000000;
  }
  y[0] = z0;
  y[1] = z1;
  y[2] = z2;
  y[3] = z3;
}
