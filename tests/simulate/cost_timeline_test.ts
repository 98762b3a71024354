import assert from "node:assert/strict";
import { CostTimeline } from "../../scripts/simulate/cost_timeline.ts";

Deno.test("CostTimeline charges each whole simulated second the CPU spent reaching it", () => {
  let cpu = 10;
  const timeline = new CostTimeline(() => cpu);
  const queued = (memberlist: number) => ({ memberlist, intent: memberlist * 2 });
  cpu = 11;
  timeline.sample(0.5, queued(9)); // inside the first second: nothing recorded yet
  cpu = 13;
  timeline.sample(1, queued(8));
  cpu = 13.5;
  timeline.sample(2.25, queued(3)); // a sample late by a quarter second closes second 2
  cpu = 14;
  timeline.sample(3, queued(0));
  assert.deepEqual(timeline.seconds, [
    { t: 1, cpuS: 3, memberlistQueued: 8, intentQueued: 16 },
    { t: 2, cpuS: 0.5, memberlistQueued: 3, intentQueued: 6 },
    { t: 3, cpuS: 0.5, memberlistQueued: 0, intentQueued: 0 },
  ]);
  assert.equal(timeline.cpuPerSecondAfter(1), 0.5);
  assert.equal(timeline.cpuPerSecondAfter(3), null);
  assert.equal(timeline.drainedAt(1, 5), 2);
  assert.equal(timeline.drainedAt(1, 0), null);
});
