/**
 * Serf's broadcasts on memberlist's transmit-limited queues. Every Serf
 * message (intent, user event, query) is unique: a later one never
 * supersedes an earlier one, unlike memberlist's per-node state messages.
 *
 * @module
 */
import type { Broadcast } from "../memberlist/broadcast_queue.ts";

/**
 * A class rather than an object literal of closures: a join storm queues one
 * of these per intent on every node, so its methods live once on the prototype.
 */
class UniqueBroadcast implements Broadcast {
  readonly unique = true;
  readonly #msg: Uint8Array;
  readonly #notify: (() => void) | undefined;

  constructor(msg: Uint8Array, notify: (() => void) | undefined) {
    this.#msg = msg;
    this.#notify = notify;
  }

  message(): Uint8Array {
    return this.#msg;
  }

  invalidates(): boolean {
    return false;
  }

  finished(): void {
    this.#notify?.();
  }
}

/** A broadcast that no later one supersedes; `notify` runs once it has been sent enough times. */
export function uniqueBroadcast(msg: Uint8Array, notify?: () => void): Broadcast {
  return new UniqueBroadcast(msg, notify);
}
