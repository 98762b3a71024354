/**
 * Serf's own push/pull state, written without the general msgpack path. It
 * carries the Lamport time of every member's last intent, so at scale it is
 * as large as memberlist's node records: building an object of every member,
 * then a sorted `Map` of it, then encoding that, cost more than the bytes. The
 * bytes are the same as `encodeSerfMessage` of the equivalent `pushPull`
 * message (go-msgpack's struct map, keys in Go-name order, members sorted by
 * name), which the tests check.
 *
 * @module
 */
import { encodeMsgpack, MsgpackWriter } from "../codec/msgpack.ts";
import type { LamportTime } from "./lamport.ts";
import { encodeEvents } from "./messages.ts";
import { SerfMessageType } from "./message_types.ts";
import type { UserEvents } from "./message_types.ts";

/** What a node tells a peer in a push/pull, read straight from its tables. */
export interface LocalPushPullState {
  lTime: LamportTime;
  /** Members by name, each with the Lamport time of its last join or leave intent. */
  members: ReadonlyMap<string, { readonly statusLTime: LamportTime }>;
  leftMembers: readonly string[];
  eventLTime: LamportTime;
  events: UserEvents[];
  queryLTime: LamportTime;
}

// The struct's keys in go-msgpack's (sorted) order, and the fixmap of six that holds them.
const LEAD = new Uint8Array([SerfMessageType.pushPull, 0x86]);
const KEY_EVENT_LTIME = encodeMsgpack("EventLTime");
const KEY_EVENTS = encodeMsgpack("Events");
const KEY_LTIME = encodeMsgpack("LTime");
const KEY_LEFT_MEMBERS = encodeMsgpack("LeftMembers");
const KEY_QUERY_LTIME = encodeMsgpack("QueryLTime");
const KEY_STATUS_LTIMES = encodeMsgpack("StatusLTimes");

/** Encoding is synchronous, so one writer (its buffer kept between calls) serves every state. */
const writer = new MsgpackWriter();
const mapHead = new Uint8Array(5);

/** A msgpack map header for `n` entries (fixmap, map16 or map32). */
function mapHeader(n: number): Uint8Array {
  if (n < 16) {
    mapHead[0] = 0x80 | n;
    return mapHead.subarray(0, 1);
  }
  if (n < 0x10000) {
    mapHead[0] = 0xde;
    mapHead[1] = n >>> 8;
    mapHead[2] = n & 0xff;
    return mapHead.subarray(0, 3);
  }
  mapHead[0] = 0xdf;
  new DataView(mapHead.buffer).setUint32(1, n);
  return mapHead;
}

/**
 * The `pushPull` message for `state`, type byte first, byte-identical to
 * `encodeSerfMessage` of the same state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeSerfMessage } from "./messages.ts";
 * import { encodeLocalPushPull } from "./push_pull_state.ts";
 *
 * const members = new Map([["web-2", { statusLTime: 4 }], ["web-1", { statusLTime: 9 }]]);
 * const state = { lTime: 12, members, leftMembers: [], eventLTime: 3, events: [], queryLTime: 1 };
 * assert.deepEqual(
 *   encodeLocalPushPull(state),
 *   encodeSerfMessage({
 *     type: "pushPull",
 *     lTime: 12,
 *     statusLTimes: { "web-1": 9, "web-2": 4 },
 *     leftMembers: [],
 *     eventLTime: 3,
 *     events: [],
 *     queryLTime: 1,
 *   }),
 * );
 * ```
 */
export function encodeLocalPushPull(state: LocalPushPullState): Uint8Array {
  writer.reset();
  writer.writeRaw(LEAD);
  writer.writeRaw(KEY_EVENT_LTIME).write(state.eventLTime);
  writer.writeRaw(KEY_EVENTS).write(encodeEvents(state.events));
  writer.writeRaw(KEY_LTIME).write(state.lTime);
  writer.writeRaw(KEY_LEFT_MEMBERS).write(state.leftMembers as string[]);
  writer.writeRaw(KEY_QUERY_LTIME).write(state.queryLTime);
  const names = [...state.members.keys()].sort();
  writer.writeRaw(KEY_STATUS_LTIMES).writeRaw(mapHeader(names.length));
  for (const name of names) writer.write(name).write(state.members.get(name)!.statusLTime);
  const out = writer.finish();
  // Do not keep a buffer grown by a very large cluster's state.
  if (writer.length > 256 * 1024) writer.detach();
  writer.reset();
  return out;
}
