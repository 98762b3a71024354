/**
 * A bump allocator for short-lived byte arrays.
 *
 * @module
 */

/** Options for {@linkcode ByteSlab}. */
export interface ByteSlabOptions {
  /**
   * Size of each shared buffer. Requests over a quarter of it get a buffer of
   * their own, so a slab wastes at most a quarter of each buffer at its end.
   * @default {65536}
   */
  slabBytes?: number;
}

/**
 * Hands out fresh zero-filled byte arrays carved one after another from a
 * larger buffer, and starts a new buffer when one is used up; bytes are never
 * handed out twice. Each `new Uint8Array` of a packet's size allocates a
 * backing store outside the JavaScript heap, which costs far more than
 * filling it; carving costs one small view.
 *
 * What the caller must respect: an array's `buffer` is shared with its
 * neighbours, so read it through its own `byteOffset` and `byteLength`, and
 * do not hand it to something that takes over the whole buffer
 * (`postMessage` transfer lists). A buffer lives as long as any array carved
 * from it, so keep long-lived data out of a slab.
 *
 * @example
 * ```ts
 * import { ByteSlab } from "./byte_slab.ts";
 * import assert from "node:assert/strict";
 *
 * const slab = new ByteSlab();
 * const a = slab.take(3);
 * const b = slab.take(2);
 * a.fill(7);
 * assert.deepEqual(b, new Uint8Array(2));
 * assert.equal(a.buffer, b.buffer);
 * ```
 */
export class ByteSlab {
  readonly #slabBytes: number;
  #slab: Uint8Array;
  #used = 0;

  /** @throws {RangeError} if `slabBytes` is not a positive integer. */
  constructor(options: ByteSlabOptions = {}) {
    const slabBytes = options.slabBytes ?? 65536;
    if (!Number.isInteger(slabBytes) || slabBytes < 1) {
      throw new RangeError(
        `Cannot create byte slab as 'slabBytes' must be a positive integer: current value is ${slabBytes}`,
      );
    }
    this.#slabBytes = slabBytes;
    this.#slab = new Uint8Array(0);
  }

  /** A fresh zero-filled array of `length` bytes, no byte of which was handed out before. */
  take(length: number): Uint8Array {
    if (length > this.#slabBytes >> 2) return new Uint8Array(length);
    if (this.#used + length > this.#slab.length) {
      this.#slab = new Uint8Array(this.#slabBytes);
      this.#used = 0;
    }
    const start = this.#used;
    this.#used = start + length;
    return this.#slab.subarray(start, start + length);
  }
}
