/**
 * Randomness for protocol code. Injected everywhere (never `Math.random` in lib/)
 * so a simulation with a fixed seed replays exactly.
 *
 * @module
 */

/** A source of uniform random numbers in [0, 1). */
export interface Random {
  next(): number;
}

/** Seeded generator (mulberry32): small, fast and good enough for gossip target selection. */
export class SeededRandom implements Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** The runtime's generator, for production use. */
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
