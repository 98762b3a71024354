/**
 * The JSON shapes of the HTTP API: members with the RPC's field names, coordinates
 * with Serf's (`Vec`, `Error`, `Adjustment`, `Height`), and events as the
 * `/v1/events` stream carries them.
 *
 * @module
 */
import type { RpcMember } from "../rpc/member_record.ts";
import type { Coordinate, Member, SerfEvent } from "../serf/types.ts";
import type { ApiCoordinate, ApiMember } from "./api_types.ts";
import { payloadFields } from "./json.ts";

/** The JSON record of `m`. */
export function memberJson(m: Member | RpcMember): ApiMember {
  return {
    Name: m.name,
    Addr: m.addr,
    Port: m.port,
    Tags: { ...m.tags },
    Status: m.status,
    ProtocolMin: m.protocolMin,
    ProtocolMax: m.protocolMax,
    ProtocolCur: m.protocolCur,
    DelegateMin: m.delegateMin,
    DelegateMax: m.delegateMax,
    DelegateCur: m.delegateCur,
  };
}

export function coordinateJson(c: Coordinate): ApiCoordinate {
  return { Vec: [...c.vec], Error: c.error, Adjustment: c.adjustment, Height: c.height };
}

/**
 * The `data:` of one `/v1/events` record. A query's `ID` is informational: the
 * HTTP API does not answer queries (use an RPC `stream` for that).
 */
export function eventJson(e: SerfEvent): Record<string, unknown> {
  switch (e.type) {
    case "user":
      return {
        Event: "user",
        LTime: e.lTime,
        Name: e.name,
        ...payloadFields(e.payload),
        Coalesce: e.coalesce,
      };
    case "query":
      return { Event: "query", ID: e.id, LTime: e.lTime, Name: e.name, ...payloadFields(e.payload) };
    default:
      return { Event: e.type, Members: e.members.map(memberJson) };
  }
}
