/**
 * Interning of the immutable values every node holds about every other node:
 * names, address strings, and the address and metadata bytes of each member
 * record. In a simulation all nodes share one process, so without interning
 * a cluster of n nodes holds n copies of each, a few hundred bytes per
 * node-pair (a small `Uint8Array` costs ~250 bytes with its buffer); with it,
 * one. The agent gains little (one node) and loses nothing.
 *
 * The pool is process-wide on purpose, unlike the clock or the RNG: it is a
 * cache with no behaviour, so sharing it between nodes cannot change what any
 * node does. It is bounded: when a table is full it is emptied, and values
 * handed out before stay valid (they are simply no longer shared).
 *
 * Interned bytes are shared: callers must never write into them.
 *
 * @module
 */

/** Longest byte string interned; longer ones are returned as given (rare, and costly to key). */
const MAX_INTERNED_BYTES = 128;

/**
 * A bounded pool of canonical strings and byte strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InternPool } from "./intern.ts";
 *
 * const pool = new InternPool();
 * const a = pool.bytes(new Uint8Array([10, 0, 0, 1]));
 * const b = pool.bytes(new Uint8Array([10, 0, 0, 1]));
 * assert.equal(a, b); // the same array
 * assert.equal(pool.string(["node", "1"].join("-")), pool.string("node-1"));
 * ```
 */
export class InternPool {
  readonly #strings = new Map<string, string>();
  readonly #bytes = new Map<string, Uint8Array>();
  readonly #capacity: number;

  /** @param capacity entries per table before it is emptied (default 65536) */
  constructor(capacity = 65_536) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create intern pool as 'capacity' must be a positive integer: current value is ${capacity}`,
      );
    }
    this.#capacity = capacity;
  }

  /** The canonical copy of `s`. */
  string(s: string): string {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size >= this.#capacity) this.#strings.clear();
    this.#strings.set(s, s);
    return s;
  }

  /**
   * The canonical array with the bytes of `b` (which may be returned itself); never write into it.
   * `b` may be a view into a larger buffer (a field decoded from a datagram): what is kept is then
   * a copy, so a record never pins the packet it was read from.
   */
  bytes(b: Uint8Array): Uint8Array {
    if (b.length > MAX_INTERNED_BYTES) return owned(b);
    const key = String.fromCharCode.apply(null, b as unknown as number[]);
    const known = this.#bytes.get(key);
    if (known !== undefined) return known;
    if (this.#bytes.size >= this.#capacity) this.#bytes.clear();
    const kept = owned(b);
    this.#bytes.set(key, kept);
    return kept;
  }
}

/** `b` itself when it spans its whole buffer, else a copy of just its bytes. */
function owned(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

/** The pool member records use (see the module doc for why it is process-wide). */
export const memberInterns: InternPool = new InternPool();
