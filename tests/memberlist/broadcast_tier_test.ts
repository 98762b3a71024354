import assert from "node:assert/strict";
import { BroadcastTier } from "../../lib/memberlist/broadcast_tier.ts";
import { randomInt, SeededRandom } from "../../lib/util/random.ts";

interface E {
  id: number;
  length: number;
}

/** Sending order: largest first, newest first among equal lengths. */
function sendingOrder(a: E, b: E): number {
  return b.length - a.length || b.id - a.id;
}

Deno.test("BroadcastTier matches a sorted-list model under random adds, takes and removals", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const rng = new SeededRandom(seed);
    const lengths = Array.from({ length: 1 + randomInt(rng, 4) }, () => 1 + randomInt(rng, 100));
    const tier = new BroadcastTier<E>();
    let model: E[] = [];
    const ids = new Set<number>();
    for (let step = 0; step < 3_000; step++) {
      const where = `seed ${seed} step ${step}`;
      const op = randomInt(rng, 100);
      if (op < 45) {
        // Ids arrive out of order, as promotions from the tier below do.
        let id;
        do id = randomInt(rng, 5_000); while (ids.has(id));
        ids.add(id);
        const e = { id, length: lengths[randomInt(rng, lengths.length)]! };
        tier.add(e);
        model.push(e);
      } else if (op < 75) {
        const limit = randomInt(rng, 120);
        const want = model.filter((e) => e.length <= limit).sort(sendingOrder)[0];
        assert.equal(tier.takeFitting(limit), want, where);
        model = model.filter((e) => e !== want);
      } else if (op < 95) {
        const victim = model[randomInt(rng, model.length)];
        if (victim === undefined) continue;
        assert.equal(tier.remove(victim), true, where);
        assert.equal(tier.remove(victim), false, where);
        model = model.filter((e) => e !== victim);
      } else if (op < 98) {
        const count = randomInt(rng, 10);
        const want = [...model].sort(sendingOrder).reverse().slice(0, count);
        assert.deepEqual(tier.takeLast(count), want, where);
        model = model.filter((e) => !want.includes(e));
      } else {
        const odd = (e: E) => e.id % 2 === 1;
        const want = [...model].sort(sendingOrder).reverse().filter(odd);
        assert.deepEqual(tier.removeWhere(odd), want, where);
        model = model.filter((e) => !odd(e));
      }
      assert.equal(tier.size, model.length, where);
    }
    const rest = [...model].sort(sendingOrder).reverse();
    assert.deepEqual(tier.takeLast(rest.length + 1), rest, `seed ${seed} drain`);
  }
});

Deno.test("BroadcastTier.takeFitting returns nothing when no length fits", () => {
  const tier = new BroadcastTier<E>();
  assert.equal(tier.takeFitting(1_400), undefined);
  tier.add({ id: 1, length: 50 });
  assert.equal(tier.takeFitting(49), undefined);
  assert.equal(tier.size, 1);
});
