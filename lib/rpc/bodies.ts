/**
 * The bodies that follow RPC headers: requests, responses and streamed records,
 * with Serf's Go field names on the wire and camelCase in TypeScript. Each shape
 * has a `*Value` function producing what go-msgpack would write and a `decode*`
 * function reading it with Go's zero-value rules, so the server and the client
 * share one definition.
 *
 * @module
 */
import {
  asArray,
  asBool,
  asBytes,
  asFloat64,
  asInt,
  asMap,
  asString,
  asStruct,
  asUint,
  f64,
  goStruct,
  type MsgpackEncodable,
} from "../codec/msgpack.ts";
import type { Coordinate } from "../coordinate/coordinate.ts";
import { DecodeError } from "../util/errors.ts";
import { decodeMember, memberValue, type RpcMember, stringList, stringMap } from "./member_record.ts";

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
    event: "member-join" | "member-leave" | "member-failed" | "member-update" | "member-reap";
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

/** Largest Go uint64 we represent exactly. */
const MAX_U64 = Number.MAX_SAFE_INTEGER;

/** Go's `[]byte` payloads: an empty one travels as nil, as the Go CLI sends it. */
function payloadValue(p: Uint8Array): MsgpackEncodable {
  return p.length === 0 ? null : p;
}

// ---------------------------------------------------------------- simple requests

export function handshakeValue(version: number): MsgpackEncodable {
  return goStruct({ Version: version });
}

export function decodeHandshake(value: unknown): number {
  return asInt(asStruct(value, "handshake request").Version, "Version", -(2 ** 31), 2 ** 31 - 1);
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
  return goStruct({ Name: r.name, Payload: payloadValue(r.payload), Coalesce: r.coalesce });
}

export function decodeEventRequest(value: unknown): EventRequest {
  const m = asStruct(value, "event request");
  return {
    name: asString(m.Name, "Name"),
    payload: asBytes(m.Payload, "Payload"),
    coalesce: asBool(m.Coalesce, "Coalesce"),
  };
}

export function forceLeaveValue(node: string, prune: boolean): MsgpackEncodable {
  return goStruct({ Node: node, Prune: prune });
}

export function decodeForceLeave(value: unknown): { node: string; prune: boolean } {
  const m = asStruct(value, "force-leave request");
  return { node: asString(m.Node, "Node"), prune: asBool(m.Prune, "Prune") };
}

export function joinRequestValue(existing: string[], replay: boolean): MsgpackEncodable {
  return goStruct({ Existing: existing, Replay: replay });
}

export function decodeJoinRequest(value: unknown): { existing: string[]; replay: boolean } {
  const m = asStruct(value, "join request");
  return { existing: stringList(m.Existing, "Existing"), replay: asBool(m.Replay, "Replay") };
}

export function joinResponseValue(num: number): MsgpackEncodable {
  return goStruct({ Num: num });
}

export function decodeJoinResponse(value: unknown): number {
  return asInt(asStruct(value, "join response").Num, "Num", -(2 ** 31), 2 ** 31 - 1);
}

export function tagsRequestValue(tags: Record<string, string>, deleteTags: string[]): MsgpackEncodable {
  return goStruct({ Tags: tags, DeleteTags: deleteTags });
}

export function decodeTagsRequest(value: unknown): { tags: Record<string, string>; deleteTags: string[] } {
  const m = asStruct(value, "tags request");
  return { tags: stringMap(m.Tags, "Tags"), deleteTags: stringList(m.DeleteTags, "DeleteTags") };
}

export function stopRequestValue(seq: number): MsgpackEncodable {
  return goStruct({ Stop: seq });
}

export function decodeStopRequest(value: unknown): number {
  return asInt(asStruct(value, "stop request").Stop, "Stop", 0, MAX_U64);
}

export function respondRequestValue(id: number, payload: Uint8Array): MsgpackEncodable {
  return goStruct({ ID: id, Payload: payloadValue(payload) });
}

export function decodeRespondRequest(value: unknown): { id: number; payload: Uint8Array } {
  const m = asStruct(value, "respond request");
  return { id: asInt(m.ID, "ID", 0, MAX_U64), payload: asBytes(m.Payload, "Payload") };
}

// ---------------------------------------------------------------- query

export function queryRequestValue(q: RpcQueryRequest): MsgpackEncodable {
  return goStruct({
    FilterNodes: q.filterNodes.length > 0 ? q.filterNodes : null,
    FilterTags: q.filterTags,
    RequestAck: q.requestAck,
    RelayFactor: q.relayFactor,
    Timeout: Math.round(q.timeoutMs * 1_000_000),
    Name: q.name,
    Payload: payloadValue(q.payload),
  });
}

export function decodeQueryRequest(value: unknown): RpcQueryRequest {
  const m = asStruct(value, "query request");
  return {
    filterNodes: stringList(m.FilterNodes, "FilterNodes"),
    filterTags: stringMap(m.FilterTags, "FilterTags"),
    requestAck: asBool(m.RequestAck, "RequestAck"),
    relayFactor: asUint(m.RelayFactor, "RelayFactor", 0xff),
    timeoutMs: asInt(m.Timeout, "Timeout") / 1_000_000,
    name: asString(m.Name, "Name"),
    payload: asBytes(m.Payload, "Payload"),
  };
}

export function queryRecordValue(r: RpcQueryRecord): MsgpackEncodable {
  return goStruct({ Type: r.type, From: r.from, Payload: r.payload.length === 0 ? null : r.payload });
}

export function decodeQueryRecord(value: unknown): RpcQueryRecord {
  const m = asStruct(value, "query record");
  return {
    type: asString(m.Type, "Type"),
    from: asString(m.From, "From"),
    payload: asBytes(m.Payload, "Payload"),
  };
}

// ---------------------------------------------------------------- keys, stats, coordinates

export function keyResponseValue(r: RpcKeyResponse, includeKeys: boolean): MsgpackEncodable {
  return goStruct({
    Messages: r.messages,
    Keys: includeKeys ? r.keys : null,
    NumNodes: r.numNodes,
    NumErr: r.numErr,
    NumResp: r.numResp,
  });
}

export function decodeKeyResponse(value: unknown): RpcKeyResponse {
  const m = asStruct(value, "key response");
  const keys: Record<string, number> = {};
  for (const [k, v] of Object.entries(asMap(m.Keys, "Keys"))) keys[k] = asInt(v, `Keys.${k}`);
  return {
    messages: stringMap(m.Messages, "Messages"),
    keys,
    numNodes: asInt(m.NumNodes, "NumNodes"),
    numErr: asInt(m.NumErr, "NumErr"),
    numResp: asInt(m.NumResp, "NumResp"),
  };
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
      return goStruct({
        Event: "user",
        LTime: r.lTime,
        Name: r.name,
        Payload: r.payload,
        Coalesce: r.coalesce,
      });
    case "query":
      return goStruct({ Event: "query", ID: r.id, LTime: r.lTime, Name: r.name, Payload: r.payload });
    default:
      return goStruct({ Event: r.event, Members: r.members.map(memberValue) });
  }
}

const MEMBER_EVENTS = new Set([
  "member-join",
  "member-leave",
  "member-failed",
  "member-update",
  "member-reap",
]);

/** Reads an event-stream record. @throws {DecodeError} for an unknown `Event` */
export function decodeStreamRecord(value: unknown): RpcStreamRecord {
  const m = asStruct(value, "stream record");
  const event = asString(m.Event, "Event");
  if (event === "user") {
    return {
      event,
      lTime: asInt(m.LTime, "LTime", 0, MAX_U64),
      name: asString(m.Name, "Name"),
      payload: asBytes(m.Payload, "Payload"),
      coalesce: asBool(m.Coalesce, "Coalesce"),
    };
  }
  if (event === "query") {
    return {
      event,
      id: asInt(m.ID, "ID", 0, MAX_U64),
      lTime: asInt(m.LTime, "LTime", 0, MAX_U64),
      name: asString(m.Name, "Name"),
      payload: asBytes(m.Payload, "Payload"),
    };
  }
  if (MEMBER_EVENTS.has(event)) {
    return {
      event: event as "member-join",
      members: asArray(m.Members, "Members").map(decodeMember),
    };
  }
  throw new DecodeError(`Cannot decode stream record: unknown event type '${event}'`);
}
