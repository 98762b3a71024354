/**
 * Reading a short ASCII string (a node name) out of a buffer as the
 * canonical copy an {@linkcode InternPool} holds, without building a new
 * string when the same bytes were read before. Gossip repeats the same few
 * hundred names millions of times; turning each into a fresh string cost an
 * allocation, a copy and, at the map lookup that follows, a hash of every
 * character. A lookup by the canonical string, whose hash is cached, is a
 * pointer compare.
 *
 * The table is two-way set-associative: a name can sit in either slot of
 * the set its hash picks, and a third name evicts the older of the two. It
 * keeps the bytes of every entry in one flat array, so a hit allocates
 * nothing. It is a cache with no behaviour: what it answers is
 * always the string those bytes spell.
 *
 * @module
 */
import type { InternPool } from "./intern.ts";
import { memberInterns } from "./intern.ts";

/** Bytes a slot takes: one cache line, a length byte and the name. */
const SLOT_BYTES = 64;

/** Longest string cached (what fits in a slot beside its length); node names in practice are far shorter. */
export const ASCII_INTERN_MAX_LENGTH: number = SLOT_BYTES - 1;

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
  /** Sets minus one: a name's hash picks a set of two slots. */
  readonly #setMask: number;
  /**
   * Slot i is #slots[i * SLOT_BYTES ..]: its length plus one (0 when empty),
   * then its bytes. Length and bytes share a cache line: the table is read
   * for every gossip message, mostly cold.
   */
  readonly #slots: Uint8Array;
  readonly #strings: string[];

  /**
   * @param pool where canonical strings come from
   * @param slots table size, a power of two of at least 2 (default 16384: 1 MiB, of which only the slots in
   * use are touched; two slots a set keep thousands of names from evicting each other)
   */
  constructor(pool: InternPool, slots = 16384) {
    if (!Number.isInteger(slots) || slots < 2 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(
        `Cannot create ASCII interns as 'slots' must be a power of two of at least 2: current value is ${slots}`,
      );
    }
    this.#pool = pool;
    this.#setMask = slots / 2 - 1;
    this.#slots = new Uint8Array(slots * SLOT_BYTES);
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
    const first = ((hash ^ (hash >>> 15)) & this.#setMask) * 2;
    if (this.#holds(first, buf, start, length)) return this.#strings[first];
    if (this.#holds(first + 1, buf, start, length)) return this.#strings[first + 1];
    for (let i = start; i < end; i++) if (buf[i]! > 0x7f) return undefined;
    const s = this.#pool.string(
      String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]),
    );
    // The newcomer takes the set's first slot; the name there moves to the second.
    const slots = this.#slots, at = first * SLOT_BYTES;
    slots.copyWithin(at + SLOT_BYTES, at, at + SLOT_BYTES);
    this.#strings[first + 1] = this.#strings[first]!;
    slots[at] = length + 1;
    slots.set(buf.subarray(start, end), at + 1);
    this.#strings[first] = s;
    return s;
  }

  /** True when slot `slot` holds exactly the `length` bytes at `buf[start]`. */
  #holds(slot: number, buf: Uint8Array, start: number, length: number): boolean {
    const slots = this.#slots, at = slot * SLOT_BYTES;
    if (slots[at] !== length + 1) return false;
    for (let i = 0; i < length; i++) if (slots[at + 1 + i] !== buf[start + i]) return false;
    return true;
  }
}

/** The cache in front of {@linkcode memberInterns}, where member names are interned. */
export const memberNames: AsciiInterns = new AsciiInterns(memberInterns);
