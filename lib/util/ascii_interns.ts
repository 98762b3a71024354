/**
 * Reading a short ASCII string (a node name) out of a buffer as the
 * canonical copy an {@linkcode InternPool} holds, without building a new
 * string when the same bytes were read before. Gossip repeats the same few
 * hundred names millions of times; turning each into a fresh string cost an
 * allocation, a copy and, at the map lookup that follows, a hash of every
 * character. A lookup by the canonical string, whose hash is cached, is a
 * pointer compare.
 *
 * The table is direct-mapped: one entry a slot, a colliding name replaces
 * the one there. It keeps the bytes of every entry in one flat array, so a
 * hit allocates nothing. It is a cache with no behaviour: what it answers is
 * always the string those bytes spell.
 *
 * @module
 */
import type { InternPool } from "./intern.ts";
import { memberInterns } from "./intern.ts";

/** Longest string cached; node names in practice are far shorter. */
export const ASCII_INTERN_MAX_LENGTH = 64;

/**
 * A bounded byte-keyed cache in front of an {@linkcode InternPool}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AsciiInterns } from "./ascii_interns.ts";
 * import { InternPool } from "./intern.ts";
 *
 * const names = new AsciiInterns(new InternPool());
 * const buf = new TextEncoder().encode("xnode-1x");
 * assert.equal(names.get(buf, 1, 7), "node-1");
 * assert.equal(names.get(new Uint8Array([0xc3, 0xa9]), 0, 2), undefined); // not ASCII
 * ```
 */
export class AsciiInterns {
  readonly #pool: InternPool;
  readonly #mask: number;
  /** Slot i's bytes are #bytes[i * MAX .. i * MAX + #lengths[i]). */
  readonly #bytes: Uint8Array;
  /** Length of each slot's bytes plus one; 0 marks an empty slot. */
  readonly #lengths: Uint8Array;
  readonly #strings: string[];

  /**
   * @param pool where canonical strings come from
   * @param slots table size, a power of two (default 16384: 1 MiB of bytes, few collisions for thousands of names)
   */
  constructor(pool: InternPool, slots = 16384) {
    if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(
        `Cannot create ASCII interns as 'slots' must be a power of two: current value is ${slots}`,
      );
    }
    this.#pool = pool;
    this.#mask = slots - 1;
    this.#bytes = new Uint8Array(slots * ASCII_INTERN_MAX_LENGTH);
    this.#lengths = new Uint8Array(slots);
    this.#strings = new Array<string>(slots).fill("");
  }

  /**
   * The canonical string spelled by `buf[start, end)`, or undefined when
   * those bytes are not all ASCII or are longer than
   * {@linkcode ASCII_INTERN_MAX_LENGTH}. The caller checks the bounds.
   */
  get(buf: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    if (length > ASCII_INTERN_MAX_LENGTH) return undefined;
    // FNV-1a over the bytes, then the length, so "" and prefixes spread too.
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    hash = Math.imul(hash ^ length, 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & this.#mask;
    const bytes = this.#bytes, at = slot * ASCII_INTERN_MAX_LENGTH;
    if (this.#lengths[slot] === length + 1) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (bytes[at + i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#strings[slot];
    }
    for (let i = start; i < end; i++) if (buf[i]! > 0x7f) return undefined;
    const s = this.#pool.string(
      String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]),
    );
    bytes.set(buf.subarray(start, end), at);
    this.#lengths[slot] = length + 1;
    this.#strings[slot] = s;
    return s;
  }
}

/** The cache in front of {@linkcode memberInterns}, where member names are interned. */
export const memberNames: AsciiInterns = new AsciiInterns(memberInterns);
