/**
 * User events: deduplicated by (LTime, name, payload) in a ring of recent
 * LTime slots (Serf's event buffer), which also feeds push/pull so a node that
 * missed gossip still gets recent events.
 *
 * @module
 */
import type { EventBuffer } from "./event_buffer.ts";
import type { SerfCore } from "./serf_core.ts";

/**
 * Handles a user event from gossip, push/pull or ourselves. Returns true when
 * it is new (and so should be rebroadcast).
 */
export function handleUserEvent(
  s: SerfCore,
  buffer: EventBuffer,
  e: { lTime: number; name: string; payload: Uint8Array; cc: boolean },
): boolean {
  s.eventClock.witness(e.lTime);
  if (e.lTime < s.eventMinTime) return false;
  const cur = s.eventClock.time();
  if (cur > buffer.size && e.lTime < cur - buffer.size) {
    s.log.warn(`received old event ${e.name} from time ${e.lTime} (current: ${cur})`);
    return false;
  }
  if (!buffer.record(e.lTime, e.name, e.payload)) return false;
  if (s.metrics.enabled) {
    s.metrics.incrCounter(["serf", "events"]);
    s.metrics.incrCounter(["serf", "events", e.name]);
  }
  s.emit({ type: "user", lTime: e.lTime, name: e.name, payload: e.payload, coalesce: e.cc });
  return true;
}
