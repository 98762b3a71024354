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
import { decodeMsgpackPrefix, encodeMsgpack, MsgpackWriter } from "../codec/msgpack.ts";
import { MsgpackPeek, PEEK_OTHER } from "../codec/msgpack_peek.ts";
import { DEFAULT_MAX_DEPTH } from "../codec/msgpack_scan.ts";
import { memberNames } from "../util/ascii_interns.ts";
import { DecodeError } from "../util/errors.ts";
import type { LamportTime } from "./lamport.ts";
import { decodeEvents, decodeSerfMessage, encodeEvents } from "./messages.ts";
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

/** A peer's push/pull state, with its members as two parallel arrays in wire order. */
export interface RemotePushPullState {
  lTime: LamportTime;
  /** Member names, in the order the general decoder's object would list them. */
  names: string[];
  /** `lTimes[i]` is the Lamport time of `names[i]`'s last intent. */
  lTimes: LamportTime[];
  leftMembers: string[];
  eventLTime: LamportTime;
  events: UserEvents[];
  queryLTime: LamportTime;
}

/** Reading is synchronous, so one cursor serves every state. */
const peek = new MsgpackPeek();

/** The general decoder (16 MiB) refuses longer containers; so does this path, by handing them over. */
const MAX_CONTAINER = 16 * 1024 * 1024;

/**
 * A peer's `pushPull` message (type byte first). The common shape (our own
 * encoding and Go's: the six keys in order, uint Lamport times up to 32 bits,
 * ASCII names of up to 63 bytes, interned as memberlist interns them) is read
 * in place; anything else goes to `decodeSerfMessage`,
 * which accepts or refuses it exactly as before. Names the general decoder's
 * object would reorder or drop (array indices, `__proto__`, repeats) also
 * take that path, so members are applied in the same order either way.
 *
 * @throws {DecodeError} as `decodeSerfMessage` does for a malformed message
 */
export function readRemotePushPull(buf: Uint8Array): RemotePushPullState {
  const fast = readCommonShape(buf);
  if (fast) return fast;
  const pp = decodeSerfMessage(buf);
  if (pp.type !== "pushPull") throw new DecodeError(`Cannot decode push/pull state: message type ${buf[0]}`);
  const names = Object.keys(pp.statusLTimes);
  return {
    lTime: pp.lTime,
    names,
    lTimes: names.map((name) => pp.statusLTimes[name]!),
    leftMembers: pp.leftMembers,
    eventLTime: pp.eventLTime,
    events: pp.events,
    queryLTime: pp.queryLTime,
  };
}

function readCommonShape(buf: Uint8Array): RemotePushPullState | undefined {
  if (buf[0] !== SerfMessageType.pushPull) return undefined;
  peek.reset(buf, 1);
  if (peek.mapLength() !== 6 || !peek.key(KEY_EVENT_LTIME)) return undefined;
  const eventLTime = peek.uint();
  if (eventLTime === PEEK_OTHER || !peek.key(KEY_EVENTS)) return undefined;
  const events = readEvents(buf);
  if (!events || !peek.key(KEY_LTIME)) return undefined;
  const lTime = peek.uint();
  if (lTime === PEEK_OTHER || !peek.key(KEY_LEFT_MEMBERS)) return undefined;
  const leftCount = peek.arrayLength();
  if (leftCount === PEEK_OTHER || leftCount > MAX_CONTAINER) return undefined;
  const leftMembers: string[] = [];
  for (let i = 0; i < leftCount; i++) {
    const name = peek.internedAscii(memberNames);
    if (name === undefined) return undefined;
    leftMembers.push(name);
  }
  if (!peek.key(KEY_QUERY_LTIME)) return undefined;
  const queryLTime = peek.uint();
  if (queryLTime === PEEK_OTHER || !peek.key(KEY_STATUS_LTIMES)) return undefined;
  const count = peek.anyMapLength();
  if (count === PEEK_OTHER || count > MAX_CONTAINER) return undefined;
  const names: string[] = [];
  const lTimes: LamportTime[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const name = peek.internedAscii(memberNames);
    if (name === undefined || reorderedByObjects(name) || seen.has(name)) return undefined;
    const t = peek.uint();
    if (t === PEEK_OTHER) return undefined;
    seen.add(name);
    names.push(name);
    lTimes.push(t);
  }
  return { lTime, names, lTimes, leftMembers, eventLTime, events, queryLTime };
}

/** The events field: an empty array read in place, anything else through the general decoder. */
function readEvents(buf: Uint8Array): UserEvents[] | undefined {
  if (buf[peek.pos] === 0x90) {
    peek.pos++;
    return [];
  }
  try {
    // One level less: the general decoder counts the message's own map.
    const { value, length } = decodeMsgpackPrefix(buf, peek.pos, { maxDepth: DEFAULT_MAX_DEPTH - 1 });
    const events = decodeEvents(value, "Events");
    peek.pos += length;
    return events;
  } catch {
    return undefined;
  }
}

/**
 * True for names a JavaScript object would not keep in insertion order or at
 * all: array indices (listed first, ascending) and `__proto__`.
 */
function reorderedByObjects(name: string): boolean {
  if (name === "__proto__") return true;
  const c = name.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  return /^(?:0|[1-9][0-9]*)$/.test(name) && Number(name) < 2 ** 32 - 1;
}
