/**
 * Randomness for protocol code. Injected everywhere (never `Math.random` in lib/)
 * so a simulation with a fixed seed replays exactly.
 *
 * @module
 */

/**
 * A source of uniform random numbers in [0, 1). Inject one wherever protocol
 * code needs chance (target selection, simulated loss); a stub makes outcomes certain.
 *
 * @example A stub that always draws 0 makes every lossy packet lost
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type Random, VirtualClock } from "../../mod.ts";
 *
 * const alwaysZero: Random = { next: () => 0 };
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: alwaysZero, loss: 0.01 });
 * const a = network.listen({ host: "10.0.0.1", port: 7946 });
 * a.sendPacket(new Uint8Array([1]), { host: "10.0.0.2", port: 7946 });
 * assert.equal(network.counters.packetsDropped, 1);
 * ```
 */
export interface Random {
  /** The next number, uniform in [0, 1). */
  next(): number;
}

/**
 * Seeded generator (mulberry32): small, fast and good enough for gossip target selection.
 *
 * @example The same seed replays the same sequence
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom } from "./random.ts";
 *
 * const a = new SeededRandom(42);
 * const b = new SeededRandom(42);
 * const draws = [a.next(), a.next(), a.next()];
 * assert.deepEqual(draws, [b.next(), b.next(), b.next()]);
 * assert.ok(draws.every((x) => x >= 0 && x < 1));
 * ```
 */
export class SeededRandom implements Random {
  #state: number;

  /**
   * A generator whose sequence is fixed by `seed`.
   * @param seed any number; only its low 32 bits are used.
   */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next number of the sequence, uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/**
 * The runtime's generator, for production use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemRandom } from "./random.ts";
 *
 * const x = systemRandom.next();
 * assert.ok(x >= 0 && x < 1);
 * ```
 */
export const systemRandom: Random = { next: () => Math.random() };

/** Uniform integer in [0, n). Returns 0 when n <= 0. */
export function randomInt(rng: Random, n: number): number {
  if (n <= 0) return 0;
  return Math.floor(rng.next() * n);
}

/** Shuffles `items` in place (Fisher-Yates) and returns it. */
export function shuffle<T>(rng: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A random duration in [0, maxMs), used to stagger periodic tasks as memberlist does. */
export function randomStagger(rng: Random, maxMs: number): number {
  return rng.next() * maxMs;
}
