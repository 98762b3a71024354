/**
 * The common shape of every broadcast the engine and Serf queue: an encoded
 * message that supersedes nothing by comparison, and a callback for when the
 * queue lets go of it.
 *
 * @module
 */
import type { Broadcast } from "./broadcast_queue.ts";

/**
 * A queued message. A class rather than an object of closures: a join storm
 * queues one per node pair, so the methods live once on the prototype.
 * Subclasses say how it is superseded: by a `name`, or never (`unique`).
 */
export class MessageBroadcast implements Broadcast {
  readonly #msg: Uint8Array;
  readonly #notify: (() => void) | undefined;

  /**
   * @param msg the encoded message
   * @param notify called once the queue lets go of it (sent enough, superseded or dropped)
   */
  constructor(msg: Uint8Array, notify?: () => void) {
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
