/**
 * The queue names of memberlist's own broadcasts: the alive, suspect and dead
 * messages about a node, of which only the latest is worth sending
 * (memberlist compares node names in its `Invalidates`), so each is queued
 * under its node's name and replaces the one queued before it.
 *
 * @module
 */

/** Queue names by node name, built once: a join storm queues one per node pair. Bounded: emptied when full. */
const queueNames = new Map<string, string>();
const MAX_QUEUE_NAMES = 65_536;

/**
 * The broadcast queue name of messages about `node`. Prefixed so that even a
 * node named "" gets a name (an empty one counts as none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeBroadcastName } from "./node_broadcast.ts";
 *
 * assert.equal(nodeBroadcastName(""), "memberlist:");
 * assert.equal(nodeBroadcastName("web-1"), nodeBroadcastName("web-1"));
 * ```
 */
export function nodeBroadcastName(node: string): string {
  let name = queueNames.get(node);
  if (name === undefined) {
    if (queueNames.size >= MAX_QUEUE_NAMES) queueNames.clear();
    name = `memberlist:${node}`;
    queueNames.set(node, name);
  }
  return name;
}
