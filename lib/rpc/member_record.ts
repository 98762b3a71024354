/**
 * The member record of Serf's RPC (`agent.Member`), shared by `members`,
 * `members-filtered` and member events on a `stream`, plus the map and list
 * helpers the other bodies use.
 *
 * @module
 */
import {
  asArray,
  asBytes,
  asMap,
  asString,
  asStruct,
  asUint,
  EncodedMsgpack,
  encodeMsgpack,
  goStruct,
  type MsgpackEncodable,
} from "../codec/msgpack.ts";
import { bytesToIp, ipToBytes } from "../util/addr.ts";

/** A cluster member as the RPC carries it (Serf's `agent.Member`). */
export interface RpcMember {
  name: string;
  /** IP literal ("" when the agent sent no address). */
  addr: string;
  port: number;
  tags: Record<string, string>;
  /** "alive", "leaving", "left", "failed" or "none". */
  status: string;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

export function stringMap(value: unknown, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asMap(value, field))) out[k] = asString(v, `${field}.${k}`);
  return out;
}

export function stringList(value: unknown, field: string): string[] {
  return asArray(value, field).map((v, i) => asString(v, `${field}[${i}]`));
}

/** A member record as go-msgpack writes Serf's `agent.Member`. */
export function memberValue(m: RpcMember): MsgpackEncodable {
  let addr: Uint8Array;
  try {
    addr = ipToBytes(m.addr);
  } catch {
    addr = new Uint8Array();
  }
  return goStruct({
    Name: m.name,
    Addr: addr,
    Port: m.port,
    Tags: { ...m.tags },
    Status: m.status,
    ProtocolMin: m.protocolMin,
    ProtocolMax: m.protocolMax,
    ProtocolCur: m.protocolCur,
    DelegateMin: m.delegateMin,
    DelegateMax: m.delegateMax,
    DelegateCur: m.delegateCur,
  });
}

/** Reads a member record. @throws {DecodeError} on wrong field types */
export function decodeMember(value: unknown): RpcMember {
  const m = asStruct(value, "member");
  const raw = asBytes(m.Addr, "Addr");
  let addr = "";
  if (raw.length === 4 || raw.length === 16) addr = bytesToIp(raw);
  return {
    name: asString(m.Name, "Name"),
    addr,
    port: asUint(m.Port, "Port", 0xffff),
    tags: stringMap(m.Tags, "Tags"),
    status: asString(m.Status, "Status"),
    protocolMin: asUint(m.ProtocolMin, "ProtocolMin", 0xff),
    protocolMax: asUint(m.ProtocolMax, "ProtocolMax", 0xff),
    protocolCur: asUint(m.ProtocolCur, "ProtocolCur", 0xff),
    delegateMin: asUint(m.DelegateMin, "DelegateMin", 0xff),
    delegateMax: asUint(m.DelegateMax, "DelegateMax", 0xff),
    delegateCur: asUint(m.DelegateCur, "DelegateCur", 0xff),
  };
}

/** `{Members}`: the body answering `members` and `members-filtered`. */
export function membersResponseValue(members: RpcMember[]): MsgpackEncodable {
  return goStruct({ Members: members.map(memberValue) });
}

/**
 * Encoded member records by node name, so answering `members` for a cluster
 * that has not changed is mostly copying bytes (an agent with hundreds of
 * members would otherwise encode thousands of strings per request). A record is
 * reused only while every field of the member is unchanged. One per server.
 */
export class MemberRecordCache {
  readonly #entries = new Map<string, { member: RpcMember; record: EncodedMsgpack }>();

  /** The record of `m` as {@linkcode memberValue} encodes it in the RPC's new-spec msgpack. */
  record(m: RpcMember): EncodedMsgpack {
    const hit = this.#entries.get(m.name);
    if (hit !== undefined && sameMember(hit.member, m)) return hit.record;
    const record = new EncodedMsgpack(encodeMsgpack(memberValue(m), { newSpec: true }));
    this.#entries.set(m.name, { member: { ...m, tags: { ...m.tags } }, record });
    return record;
  }

  /** {@linkcode membersResponseValue} from cached records; forgets members no longer listed. */
  responseValue(members: RpcMember[]): MsgpackEncodable {
    const records = members.map((m) => this.record(m));
    if (this.#entries.size > 2 * members.length + 64) {
      const listed = new Set(members.map((m) => m.name));
      for (const name of this.#entries.keys()) if (!listed.has(name)) this.#entries.delete(name);
    }
    return goStruct({ Members: records });
  }
}

function sameMember(a: RpcMember, b: RpcMember): boolean {
  return a.addr === b.addr && a.port === b.port && a.status === b.status &&
    a.protocolMin === b.protocolMin && a.protocolMax === b.protocolMax && a.protocolCur === b.protocolCur &&
    a.delegateMin === b.delegateMin && a.delegateMax === b.delegateMax && a.delegateCur === b.delegateCur &&
    sameTags(a.tags, b.tags);
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k] || !Object.hasOwn(b, k)) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

export function decodeMembersResponse(value: unknown): RpcMember[] {
  return asArray(asStruct(value, "members response").Members, "Members").map(decodeMember);
}

/** `{Tags, Status, Name}`: regular expressions, each anchored at both ends by the agent. */
export interface MembersFilter {
  tags: Record<string, string>;
  status: string;
  name: string;
}

export function membersFilterValue(f: MembersFilter): MsgpackEncodable {
  return goStruct({ Tags: f.tags, Status: f.status, Name: f.name });
}

export function decodeMembersFilter(value: unknown): MembersFilter {
  const m = asStruct(value, "members filter");
  return {
    tags: stringMap(m.Tags, "Tags"),
    status: asString(m.Status, "Status"),
    name: asString(m.Name, "Name"),
  };
}
