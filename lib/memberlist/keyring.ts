/**
 * The set of AES keys a node gossips with. The primary key encrypts every
 * outgoing message; all installed keys are tried on incoming ones, which is
 * what lets Serf rotate keys across a live cluster (install everywhere, switch
 * the primary everywhere, then remove the old key).
 *
 * @module
 */

const KEY_SIZES = [16, 24, 32];

/**
 * Checks that `key` can be used with AES: 16, 24 or 32 bytes select AES-128,
 * AES-192 or AES-256.
 *
 * @throws {RangeError} for any other length.
 *
 * @example
 * ```ts
 * import { validateKey } from "./keyring.ts";
 * import assert from "node:assert/strict";
 *
 * validateKey(new Uint8Array(32));
 * assert.throws(() => validateKey(new Uint8Array(7)), RangeError);
 * ```
 */
export function validateKey(key: Uint8Array): void {
  if (!KEY_SIZES.includes(key.length)) {
    throw new RangeError(
      `Cannot use encryption key: key size must be 16, 24 or 32 bytes: current size is ${key.length}`,
    );
  }
}

/**
 * Keys shared by a cluster, primary first.
 *
 * `useKey` and `removeKey` throw with memberlist's exact messages because Serf
 * relays them verbatim to `serf keys` users in key-query responses.
 *
 * @example
 * ```ts
 * import { Keyring } from "./keyring.ts";
 * import assert from "node:assert/strict";
 *
 * const oldKey = new Uint8Array(16).fill(1);
 * const newKey = new Uint8Array(16).fill(2);
 * const ring = new Keyring([], oldKey);
 * ring.addKey(newKey);
 * ring.useKey(newKey);
 * ring.removeKey(oldKey);
 * assert.deepEqual(ring.getKeys(), [newKey]);
 * ```
 */
export class Keyring {
  /** Primary first. Replaced, never mutated, so a caller holding it sees one consistent set. */
  #keys: readonly Uint8Array[] = Object.freeze([]);

  /**
   * Builds a keyring. With no keys and no primary the keyring is empty, which
   * means encryption is off. Otherwise `primaryKey` is required; it is added
   * if missing from `keys`, and duplicates are ignored.
   *
   * @param keys keys to install (copied)
   * @param primaryKey the key to encrypt with (copied)
   * @throws {RangeError} if a key has the wrong size, or keys are given
   * without a primary key.
   */
  constructor(keys: readonly Uint8Array[] = [], primaryKey?: Uint8Array) {
    if (keys.length === 0 && (!primaryKey || primaryKey.length === 0)) return;
    if (!primaryKey || primaryKey.length === 0) {
      throw new RangeError("Cannot create keyring: empty primary key not allowed");
    }
    this.addKey(primaryKey);
    for (const key of keys) this.addKey(key);
  }

  /**
   * Installs `key` for decryption; the first key added to an empty keyring
   * becomes the primary. Adding an installed key does nothing.
   *
   * @throws {RangeError} if the key is not 16, 24 or 32 bytes.
   */
  addKey(key: Uint8Array): void {
    validateKey(key);
    if (this.#indexOf(key) >= 0) return;
    const copy = key.slice();
    this.#install([...this.#keys, copy], this.#keys[0] ?? copy);
  }

  /**
   * Makes an installed key the primary, so it encrypts everything from now on.
   * Peers must already have it installed or they will drop our messages.
   *
   * @throws {RangeError} "Requested key is not in the keyring" if it is not installed.
   */
  useKey(key: Uint8Array): void {
    const i = this.#indexOf(key);
    if (i < 0) throw new RangeError("Requested key is not in the keyring");
    this.#install(this.#keys, this.#keys[i]!);
  }

  /**
   * Uninstalls a key. Removing a key that is not installed does nothing.
   *
   * @throws {RangeError} "Removing the primary key is not allowed" for the primary key.
   */
  removeKey(key: Uint8Array): void {
    const primary = this.#keys[0];
    if (primary && sameBytes(primary, key)) throw new RangeError("Removing the primary key is not allowed");
    const i = this.#indexOf(key);
    if (i < 0) return;
    this.#keys = Object.freeze(this.#keys.filter((_, j) => j !== i));
  }

  /**
   * The installed keys, primary first. The array is frozen and replaced on
   * every change, so it is cheap to call per packet; do not mutate the keys.
   */
  getKeys(): readonly Uint8Array[] {
    return this.#keys;
  }

  /** The key used to encrypt, or undefined when the keyring is empty (encryption off). */
  getPrimaryKey(): Uint8Array | undefined {
    return this.#keys[0];
  }

  #indexOf(key: Uint8Array): number {
    return this.#keys.findIndex((k) => sameBytes(k, key));
  }

  #install(keys: readonly Uint8Array[], primary: Uint8Array): void {
    this.#keys = Object.freeze([primary, ...keys.filter((k) => !sameBytes(k, primary))]);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_VALUES = new Map([...BASE64_ALPHABET].map((c, i) => [c, i]));

/**
 * Decodes a key as Serf writes it (`-encrypt`, keyring files, `serf keys`):
 * standard padded base64, as strict as Go's `base64.StdEncoding` (line breaks
 * are ignored; anything else outside the alphabet is an error), then checks
 * the key size.
 *
 * @throws {SyntaxError} for malformed base64.
 * @throws {RangeError} if the decoded key is not 16, 24 or 32 bytes.
 *
 * @example
 * ```ts
 * import { parseKeyBase64 } from "./keyring.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseKeyBase64("5K9OtfFHVgxBPxRcsvCqMQ==").length, 16);
 * ```
 */
export function parseKeyBase64(text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = decodeKeyBase64(text);
  } catch (err) {
    throw new SyntaxError(`Cannot decode encryption key: ${(err as Error).message}`, { cause: err });
  }
  validateKey(key);
  return key;
}

/**
 * Decodes base64 exactly as Go's `base64.StdEncoding.DecodeString` does,
 * without checking the key size: `serf keys` sends any decodable key to every
 * member and lets each one refuse a bad size, so only malformed base64 fails
 * before the query.
 *
 * @throws {SyntaxError} Go's own text, `illegal base64 data at input byte N`, which Serf's RPC relays
 *
 * @example
 * ```ts
 * import { decodeKeyBase64 } from "./keyring.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeKeyBase64("AAAA").length, 3);
 * assert.throws(() => decodeKeyBase64("abc"), { message: "illegal base64 data at input byte 0" });
 * ```
 */
export function decodeKeyBase64(text: string): Uint8Array {
  return decodeBase64Std(text);
}

/**
 * Encodes a key as standard padded base64, the form Serf prints and stores.
 *
 * @example
 * ```ts
 * import { encodeKeyBase64, parseKeyBase64 } from "./keyring.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "5K9OtfFHVgxBPxRcsvCqMQ==";
 * assert.equal(encodeKeyBase64(parseKeyBase64(text)), text);
 * ```
 */
export function encodeKeyBase64(key: Uint8Array): string {
  let out = "";
  for (let i = 0; i < key.length; i += 3) {
    const n = (key[i]! << 16) | ((key[i + 1] ?? 0) << 8) | (key[i + 2] ?? 0);
    out += BASE64_ALPHABET[(n >> 18) & 63]! + BASE64_ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < key.length ? BASE64_ALPHABET[(n >> 6) & 63]! : "=";
    out += i + 2 < key.length ? BASE64_ALPHABET[n & 63]! : "=";
  }
  return out;
}

/**
 * Standard padded base64, accepting and rejecting exactly what Go's
 * `base64.StdEncoding.DecodeString` does, with the same error offsets, so a
 * bad `-encrypt` value gets the message an operator would see from Serf.
 */
function decodeBase64Std(text: string): Uint8Array {
  const illegal = (at: number) => new SyntaxError(`illegal base64 data at input byte ${at}`);
  const isBreak = (c: string | undefined) => c === "\r" || c === "\n";
  const out: number[] = [];
  let i = 0;
  while (true) {
    const sextets: number[] = [];
    let final = false;
    while (sextets.length < 4) {
      if (i === text.length) {
        if (sextets.length === 0) return new Uint8Array(out);
        throw illegal(i - sextets.length);
      }
      const c = text[i++]!;
      const value = BASE64_VALUES.get(c);
      if (value !== undefined) {
        sextets.push(value);
        continue;
      }
      if (isBreak(c)) continue;
      // Padding may only follow two or three data characters, and ends the input.
      if (c !== "=" || sextets.length < 2) throw illegal(i - 1);
      if (sextets.length === 2) {
        while (isBreak(text[i])) i++;
        if (i === text.length) throw illegal(i);
        if (text[i] !== "=") throw illegal(i - 1);
        i++;
      }
      while (isBreak(text[i])) i++;
      if (i < text.length) throw illegal(i);
      final = true;
      break;
    }
    const n = ((sextets[0] ?? 0) << 18) | ((sextets[1] ?? 0) << 12) | ((sextets[2] ?? 0) << 6) |
      (sextets[3] ?? 0);
    out.push((n >> 16) & 255);
    if (sextets.length > 2) out.push((n >> 8) & 255);
    if (sextets.length > 3) out.push(n & 255);
    if (final) return new Uint8Array(out);
  }
}
