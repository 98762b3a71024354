/**
 * The bodies that follow RPC headers: requests, responses and streamed records,
 * with Serf's Go field names on the wire and camelCase in TypeScript. Each shape
 * has a `*Value` function producing what go-msgpack would write and a `decode*`
 * function reading it with Go's zero-value rules, so the server and the client
 * share one definition.
 *
 * @module
 */
import { fieldKind, GoStructSchema } from "../codec/go_struct_schema.ts";
import { f64, goStruct, type MsgpackEncodable } from "../codec/msgpack.ts";
import { asArray, asBool, asFloat64, asInt, asMap, asString, asStruct } from "../codec/msgpack_schema.ts";
import type { Coordinate } from "../coordinate/coordinate.ts";
import { DecodeError } from "../util/errors.ts";
import { decodeMember, memberValue, RPC_KINDS, type RpcMember, stringMap } from "./member_record.ts";
import { isMemberEventType, type MemberEventType } from "../serf/types.ts";

export {
  decodeMember,
  decodeMembersFilter,
  decodeMembersResponse,
  type MembersFilter,
  membersFilterValue,
  membersResponseValue,
  memberValue,
  type RpcMember,
} from "./member_record.ts";

/** Query options as the `query` command carries them. */
export interface RpcQueryRequest {
  filterNodes: string[];
  filterTags: Record<string, string>;
  requestAck: boolean;
  relayFactor: number;
  /** Zero means "the agent's default". */
  timeoutMs: number;
  name: string;
  payload: Uint8Array;
  /**
   * serfts extension: run to the timeout even when every matched member has
   * answered (Serf's behaviour). Sent only when true; a Serf agent ignores it
   * and always waits.
   */
  waitTimeout?: boolean;
}

/** Result of a key command (`install-key`, `use-key`, `remove-key`, `list-keys`). */
export interface RpcKeyResponse {
  /** Per-node error or warning text. */
  messages: Record<string, string>;
  /** For `list-keys`: how many nodes hold each key. */
  keys: Record<string, number>;
  numNodes: number;
  numErr: number;
  numResp: number;
}

/** One record of an event stream (`stream` command). */
export type RpcStreamRecord =
  | {
    event: MemberEventType;
    members: RpcMember[];
  }
  | { event: "user"; lTime: number; name: string; payload: Uint8Array; coalesce: boolean }
  | { event: "query"; id: number; lTime: number; name: string; payload: Uint8Array };

/** One record of a query's results. */
export interface RpcQueryRecord {
  type: string;
  from: string;
  payload: Uint8Array;
}

/** Each request and response body's Go struct (Serf's agent/ipc.go). */
const schema = <T extends object>(spec: string) => new GoStructSchema<T>(spec, RPC_KINDS);
const HANDSHAKE = schema<{ version: number }>("Version:i32");
const EVENT = schema<EventRequest>("Name:str Payload:bytes Coalesce:bool");
const FORCE_LEAVE = schema<{ node: string; prune: boolean }>("Node:str Prune:bool");
const JOIN = schema<{ existing: string[]; replay: boolean }>("Existing:strs Replay:bool");
const JOIN_RESPONSE = schema<{ num: number }>("Num:i32");
const TAGS = schema<{ tags: Record<string, string>; deleteTags: string[] }>("Tags:strmap DeleteTags:strs");
const STOP = schema<{ stop: number }>("Stop:u64");
const RESPOND = schema<{ id: number; payload: Uint8Array }>("ID:u64 Payload:bytes");
const QUERY = schema<RpcQueryRequest>(
  "FilterNodes:strs? FilterTags:strmap RequestAck:bool RelayFactor:u8 Timeout=timeoutMs:ns Name:str Payload:bytes" +
    " WaitTimeout:bool?",
);
const QUERY_RECORD = schema<RpcQueryRecord>("Type:str From:str Payload:bytes");
const KEY_RESPONSE = new GoStructSchema<
  Omit<RpcKeyResponse, "keys"> & { keys: Record<string, number> | null }
>(
  "Messages:strmap Keys:counts NumNodes:int NumErr:int NumResp:int",
  { ...RPC_KINDS, counts: fieldKind(decodeCounts) },
);
const USER_RECORD = schema<RpcStreamRecord & { event: "user" }>(
  "Event:str LTime:u64 Name:str Payload:raw Coalesce:bool",
);
const QUERY_EVENT_RECORD = schema<RpcStreamRecord & { event: "query" }>(
  "Event:str ID:u64 LTime:u64 Name:str Payload:raw",
);
const MEMBER_RECORD = new GoStructSchema<{ event: string; members: RpcMember[] }>(
  "Event:str Members:members",
  {
    members: fieldKind((v, f) => asArray(v, f).map(decodeMember), (ms: RpcMember[]) => ms.map(memberValue)),
  },
);

/** A `map[string]int` (key counts of `list-keys`). */
function decodeCounts(value: unknown, field: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(asMap(value, field))) out[k] = asInt(v, `${field}.${k}`);
  return out;
}

// ---------------------------------------------------------------- simple requests

export function handshakeValue(version: number): MsgpackEncodable {
  return HANDSHAKE.encode({ version });
}

export function decodeHandshake(value: unknown): number {
  return HANDSHAKE.decode(asStruct(value, "handshake request")).version;
}

/** Bodies that are one string field: `auth` (AuthKey), keys (Key), `get-coordinate` (Node), `stream` (Type), `monitor` (LogLevel). */
export function singleStringValue(field: string, value: string): MsgpackEncodable {
  return goStruct({ [field]: value });
}

export function decodeSingleString(value: unknown, field: string): string {
  return asString(asStruct(value, `${field} request`)[field], field);
}

export interface EventRequest {
  name: string;
  payload: Uint8Array;
  coalesce: boolean;
}

export function eventRequestValue(r: EventRequest): MsgpackEncodable {
  return EVENT.encode(r);
}

export function decodeEventRequest(value: unknown): EventRequest {
  return EVENT.decode(asStruct(value, "event request"));
}

export function forceLeaveValue(node: string, prune: boolean): MsgpackEncodable {
  return FORCE_LEAVE.encode({ node, prune });
}

export function decodeForceLeave(value: unknown): { node: string; prune: boolean } {
  return FORCE_LEAVE.decode(asStruct(value, "force-leave request"));
}

export function joinRequestValue(existing: string[], replay: boolean): MsgpackEncodable {
  return JOIN.encode({ existing, replay });
}

export function decodeJoinRequest(value: unknown): { existing: string[]; replay: boolean } {
  return JOIN.decode(asStruct(value, "join request"));
}

export function joinResponseValue(num: number): MsgpackEncodable {
  return JOIN_RESPONSE.encode({ num });
}

export function decodeJoinResponse(value: unknown): number {
  return JOIN_RESPONSE.decode(asStruct(value, "join response")).num;
}

export function tagsRequestValue(tags: Record<string, string>, deleteTags: string[]): MsgpackEncodable {
  return TAGS.encode({ tags, deleteTags });
}

export function decodeTagsRequest(value: unknown): { tags: Record<string, string>; deleteTags: string[] } {
  return TAGS.decode(asStruct(value, "tags request"));
}

export function stopRequestValue(seq: number): MsgpackEncodable {
  return STOP.encode({ stop: seq });
}

export function decodeStopRequest(value: unknown): number {
  return STOP.decode(asStruct(value, "stop request")).stop;
}

export function respondRequestValue(id: number, payload: Uint8Array): MsgpackEncodable {
  return RESPOND.encode({ id, payload });
}

export function decodeRespondRequest(value: unknown): { id: number; payload: Uint8Array } {
  return RESPOND.decode(asStruct(value, "respond request"));
}

// ---------------------------------------------------------------- query

export function queryRequestValue(q: RpcQueryRequest): MsgpackEncodable {
  return QUERY.encode(q);
}

export function decodeQueryRequest(value: unknown): RpcQueryRequest {
  return QUERY.decode(asStruct(value, "query request"));
}

export function queryRecordValue(r: RpcQueryRecord): MsgpackEncodable {
  return QUERY_RECORD.encode(r);
}

export function decodeQueryRecord(value: unknown): RpcQueryRecord {
  return QUERY_RECORD.decode(asStruct(value, "query record"));
}

// ---------------------------------------------------------------- keys, stats, coordinates

export function keyResponseValue(r: RpcKeyResponse, includeKeys: boolean): MsgpackEncodable {
  return KEY_RESPONSE.encode({ ...r, keys: includeKeys ? r.keys : null });
}

export function decodeKeyResponse(value: unknown): RpcKeyResponse {
  const r = KEY_RESPONSE.decode(asStruct(value, "key response"));
  return { ...r, keys: r.keys ?? {} };
}

export function decodeStats(value: unknown): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [k, v] of Object.entries(asMap(value, "stats"))) out[k] = stringMap(v, k);
  return out;
}

/** `{Coord, Ok}`: a zero coordinate with `Ok: false` when the agent has none cached. */
export function coordinateResponseValue(c: Coordinate | undefined): MsgpackEncodable {
  return goStruct({
    Coord: goStruct({
      Vec: c ? c.vec.map(f64) : null,
      Error: f64(c?.error ?? 0),
      Adjustment: f64(c?.adjustment ?? 0),
      Height: f64(c?.height ?? 0),
    }),
    Ok: c !== undefined,
  });
}

export function decodeCoordinateResponse(value: unknown): Coordinate | undefined {
  const m = asStruct(value, "coordinate response");
  if (!asBool(m.Ok, "Ok")) return undefined;
  const c = asStruct(m.Coord, "Coord");
  return {
    vec: asArray(c.Vec, "Vec").map((v, i) => asFloat64(v, `Vec[${i}]`)),
    error: asFloat64(c.Error, "Error"),
    adjustment: asFloat64(c.Adjustment, "Adjustment"),
    height: asFloat64(c.Height, "Height"),
  };
}

// ---------------------------------------------------------------- stream records

export function logRecordValue(line: string): MsgpackEncodable {
  return goStruct({ Log: line });
}

export function decodeLogRecord(value: unknown): string {
  return asString(asStruct(value, "log record").Log, "Log");
}

export function streamRecordValue(r: RpcStreamRecord): MsgpackEncodable {
  switch (r.event) {
    case "user":
      return USER_RECORD.encode(r);
    case "query":
      return QUERY_EVENT_RECORD.encode(r);
    default:
      return MEMBER_RECORD.encode(r);
  }
}

/** Reads an event-stream record. @throws {DecodeError} for an unknown `Event` */
export function decodeStreamRecord(value: unknown): RpcStreamRecord {
  const m = asStruct(value, "stream record");
  const event = asString(m.Event, "Event");
  if (event === "user") return USER_RECORD.decode(m);
  if (event === "query") return QUERY_EVENT_RECORD.decode(m);
  if (isMemberEventType(event)) return MEMBER_RECORD.decode(m) as RpcStreamRecord;
  throw new DecodeError(`Cannot decode stream record: unknown event type '${event}'`);
}
