/**
 * Input mutation for robustness tests: decoders must turn any bytes into a
 * value or a `DecodeError`, never another exception and never a hang.
 *
 * @module
 */
import { DecodeError } from "../../lib/util/errors.ts";
import { SeededRandom } from "../../lib/util/random.ts";

/** Yields `count` inputs derived from `corpus`: truncated, bit-flipped, spliced, extended or fully random. */
export function* mutations(seed: number, corpus: Uint8Array[], count: number): Generator<Uint8Array> {
  const rng = new SeededRandom(seed);
  const int = (n: number) => Math.floor(rng.next() * n);
  const pick = () => corpus[int(corpus.length)]!;
  for (let i = 0; i < count; i++) {
    const base = pick();
    switch (i % 6) {
      case 0:
        yield base.slice(0, int(base.length + 1));
        break;
      case 1: {
        const out = base.slice();
        for (let k = 0; k <= int(4) && out.length > 0; k++) {
          const at = int(out.length);
          out[at] = out[at]! ^ (1 << int(8));
        }
        yield out;
        break;
      }
      case 2: {
        const out = base.slice();
        for (let k = 0; k <= int(4); k++) if (out.length > 0) out[int(out.length)] = int(256);
        yield out;
        break;
      }
      case 3: {
        const other = pick();
        const cut = int(base.length + 1);
        yield Uint8Array.from([...base.subarray(0, cut), ...other.subarray(int(other.length + 1))]);
        break;
      }
      case 4:
        yield Uint8Array.from([...base, ...Array.from({ length: int(8) }, () => int(256))]);
        break;
      default:
        yield Uint8Array.from({ length: int(64) }, () => int(256));
    }
  }
}

/** Runs `fn`; anything thrown other than a `DecodeError` fails with the offending input in hex. */
export function onlyDecodeError(name: string, input: Uint8Array, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return;
    const hex = Array.from(input, (b) => b.toString(16).padStart(2, "0")).join("");
    throw new Error(`${name} threw ${err instanceof Error ? err.name : typeof err} for input ${hex}`, {
      cause: err,
    });
  }
}
