/**
 * The event stream's bound: a consumer that stops reading loses the oldest
 * user events past the bound, never a membership change (Serf's agent would
 * block gossip instead of losing one; we keep them and drop the rest).
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../lib/util/clock.ts";
import { silentLogger } from "../../lib/util/log.ts";
import { EventPipeline } from "../../lib/serf/event_pipeline.ts";
import type { SerfEvent } from "../../lib/serf/types.ts";

Deno.test("EventPipeline: membership changes survive a stalled consumer; user events are bounded", async () => {
  let dropped = 0;
  const recorded: string[] = [];
  const pipeline = new EventPipeline({
    clock: new VirtualClock(),
    log: silentLogger(),
    capacity: 3,
    coalesce: {
      coalescePeriodMs: 0,
      quiescentPeriodMs: 0,
      userCoalescePeriodMs: 0,
      userQuiescentPeriodMs: 0,
    },
    internal: () => false,
    onDrop: () => dropped++,
  });
  pipeline.snapshot = { record: (e) => void recorded.push(e.type) };
  for (let i = 0; i < 10; i++) {
    pipeline.push({ type: "member-join", members: [] });
    pipeline.push({ type: "user", lTime: i, name: `u${i}`, payload: new Uint8Array(), coalesce: false });
  }
  await pipeline.close();
  const got: SerfEvent[] = [];
  for await (const e of pipeline.queue) got.push(e);
  assert.equal(got.filter((e) => e.type === "member-join").length, 10);
  assert.deepEqual(got.filter((e) => e.type === "user").map((e) => (e as { name: string }).name), [
    "u7",
    "u8",
    "u9",
  ]);
  assert.equal(dropped, 7);
  assert.equal(recorded.length, 20, "the snapshot saw every event");
});
