/**
 * Recognising a join intent that repeats what we know, from its bytes. During
 * a rollout every join is one intent that each node receives from several
 * peers and mostly already holds; decoding each into a message object only to
 * find its Lamport time is not newer was much of the storm's Serf cost. This
 * reads the two fields in place; anything it is not sure of goes to the full
 * decoder and `handleJoinIntent`, which then behaves exactly as before.
 *
 * @module
 */
import { encodeMsgpack } from "../codec/msgpack.ts";
import { MsgpackPeek, PEEK_OTHER } from "../codec/msgpack_peek.ts";
import { memberNames } from "../util/ascii_interns.ts";
import { SerfMessageType } from "./message_types.ts";
import type { SerfCore } from "./serf_core.ts";

// messageJoin's keys in go-msgpack's (sorted) order.
const KEY_LTIME = encodeMsgpack("LTime");
const KEY_NODE = encodeMsgpack("Node");

/** Reading is synchronous, so one cursor serves every message. */
const peek = new MsgpackPeek();

/**
 * Applies a join intent that changes nothing and returns true, or returns
 * false (having done nothing) when the message must take the usual path: not
 * a join, not in the common shape, a member we do not know, or a Lamport time
 * newer than the member's. Applying old news means only witnessing its
 * Lamport time, as `handleJoinIntent` does before anything else.
 */
export function applyOldNewsJoin(s: SerfCore, buf: Uint8Array): boolean {
  if (buf[0] !== SerfMessageType.join) return false;
  peek.reset(buf, 1);
  if (peek.mapLength() !== 2 || !peek.key(KEY_LTIME)) return false;
  const lTime = peek.uint();
  if (lTime === PEEK_OTHER || !peek.key(KEY_NODE)) return false;
  const node = peek.internedAscii(memberNames);
  if (node === undefined || peek.pos !== buf.length) return false;
  const state = s.members.byName.get(node);
  if (!state || lTime > state.statusLTime) return false;
  s.memberClock.witness(lTime);
  return true;
}
