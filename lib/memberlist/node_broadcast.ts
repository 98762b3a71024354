/**
 * memberlist's own broadcasts: the alive, suspect and dead messages about a
 * node, of which only the latest is worth sending.
 *
 * @module
 */
import { MessageBroadcast } from "./message_broadcast.ts";

/** Queue names by node name, built once: a join storm queues one per node pair. Bounded: emptied when full. */
const queueNames = new Map<string, string>();
const MAX_QUEUE_NAMES = 65_536;

function queueNameOf(node: string): string {
  let name = queueNames.get(node);
  if (name === undefined) {
    if (queueNames.size >= MAX_QUEUE_NAMES) queueNames.clear();
    name = `memberlist:${node}`;
    queueNames.set(node, name);
  }
  return name;
}

/**
 * A state message about a node, superseding any queued one about the same
 * node (memberlist compares node names in its `Invalidates`). The name is
 * prefixed so that even a node named "" gets a name (an empty one counts as
 * none).
 */
export class NodeBroadcast extends MessageBroadcast {
  readonly name: string;

  /**
   * @param node the node the message is about
   * @param msg the encoded message
   * @param notify called once the queue lets go of it (sent enough, superseded or dropped)
   */
  constructor(node: string, msg: Uint8Array, notify?: () => void) {
    super(msg, notify);
    this.name = queueNameOf(node);
  }
}
