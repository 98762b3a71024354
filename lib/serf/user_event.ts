/**
 * User events: deduplicated by (LTime, name, payload) in a ring of recent
 * LTime slots (Serf's event buffer), which also feeds push/pull so a node that
 * missed gossip still gets recent events.
 *
 * @module
 */
import type { SerfCore } from "./serf_core.ts";

/** Events seen at one LTime. */
export interface UserEventsAt {
  lTime: number;
  events: { name: string; payload: Uint8Array }[];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The ring of recent user events. */
export class EventBuffer {
  readonly slots: (UserEventsAt | undefined)[];

  constructor(size: number) {
    this.slots = new Array(size);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Records an event; returns false when it was already seen. */
  record(lTime: number, name: string, payload: Uint8Array): boolean {
    const idx = lTime % this.slots.length;
    let slot = this.slots[idx];
    if (slot && slot.lTime === lTime) {
      if (slot.events.some((e) => e.name === name && bytesEqual(e.payload, payload))) return false;
    } else {
      slot = { lTime, events: [] };
      this.slots[idx] = slot;
    }
    slot.events.push({ name, payload });
    return true;
  }

  /** Non-empty slots, for push/pull. */
  entries(): UserEventsAt[] {
    return this.slots.filter((s): s is UserEventsAt => s !== undefined);
  }
}

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
  s.emit({ type: "user", lTime: e.lTime, name: e.name, payload: e.payload, coalesce: e.cc });
  return true;
}
