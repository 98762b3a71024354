/**
 * Serf's broadcasts on memberlist's transmit-limited queues. Every Serf
 * message (intent, user event, query) is unique: a later one never
 * supersedes an earlier one, unlike memberlist's per-node state messages.
 *
 * @module
 */
import type { Broadcast } from "../memberlist/broadcast_queue.ts";
import { MessageBroadcast } from "../memberlist/message_broadcast.ts";

/** Never superseded: the queue skips the scan for what it would replace. */
class UniqueBroadcast extends MessageBroadcast {
  readonly unique = true;
}

/** A broadcast that no later one supersedes; `notify` runs once it has been sent enough times. */
export function uniqueBroadcast(msg: Uint8Array, notify?: () => void): Broadcast {
  return new UniqueBroadcast(msg, notify);
}
