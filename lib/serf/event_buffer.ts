/**
 * The ring of recent user events, by LTime slot (Serf's event buffer): it
 * deduplicates by (LTime, name, payload) and feeds push/pull so a node that
 * missed gossip still gets recent events.
 *
 * @module
 */
import { bytesEqual } from "../util/bytes.ts";

/** Events seen at one LTime. */
export interface UserEventsAt {
  lTime: number;
  events: { name: string; payload: Uint8Array }[];
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
