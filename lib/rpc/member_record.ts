/**
 * The member record of Serf's RPC (`agent.Member`), shared by `members`,
 * `members-filtered` and member events on a `stream`, plus the map and list
 * helpers the other bodies use.
 *
 * @module
 */
import { type FieldKind, fieldKind, GoStructSchema } from "../codec/go_struct_schema.ts";
import { EncodedMsgpack, encodeMsgpack, goStruct, type MsgpackEncodable } from "../codec/msgpack.ts";
import { asArray, asBytes, asInt, asMap, asString, asStruct } from "../codec/msgpack_schema.ts";
import type { MemberVersions } from "../serf/types.ts";
import { bytesToIp, ipToBytes } from "../util/addr.ts";

/** A cluster member as the RPC carries it (Serf's `agent.Member`). */
export interface RpcMember extends MemberVersions {
  name: string;
  /** IP literal ("" when the agent sent no address). */
  addr: string;
  port: number;
  tags: Record<string, string>;
  /** "alive", "leaving", "left", "failed" or "none". */
  status: string;
}

export function stringMap(value: unknown, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asMap(value, field))) out[k] = asString(v, `${field}.${k}`);
  return out;
}

export function stringList(value: unknown, field: string): string[] {
  return asArray(value, field).map((v, i) => asString(v, `${field}[${i}]`));
}

/** Largest Go uint64 we represent exactly. */
const MAX_U64 = Number.MAX_SAFE_INTEGER;

/** Field kinds of the RPC bodies beyond the shared ones (written as Serf's Go client and agent write them). */
export const RPC_KINDS: Readonly<Record<string, FieldKind<unknown>>> = {
  i32: fieldKind((v, f) => asInt(v, f, -(2 ** 31), 2 ** 31 - 1)),
  u64: fieldKind((v, f) => asInt(v, f, 0, MAX_U64)),
  /** `map[string]string`, written in the caller's order. */
  strmap: fieldKind(stringMap, (m: Record<string, string>) => ({ ...m })),
  strs: fieldKind(stringList),
  /** A `[]string` that starts nil in Go and is only appended to. */
  "strs?": fieldKind(stringList, (l: string[]) => l.length > 0 ? l : null),
  /** A `time.Duration` in milliseconds. */
  ns: fieldKind((v, f) => asInt(v, f) / 1_000_000, (ms: number) => Math.round(ms * 1_000_000)),
  /** An IP in `net.IP` bytes; "" when absent or not 4 or 16 bytes long. */
  ip: fieldKind((v, f) => {
    const raw = asBytes(v, f);
    return raw.length === 4 || raw.length === 16 ? bytesToIp(raw) : "";
  }, (addr: string) => {
    try {
      return ipToBytes(addr);
    } catch {
      return new Uint8Array();
    }
  }),
};

const MEMBER = new GoStructSchema<RpcMember>(
  "Name:str Addr:ip Port:u16 Tags:strmap Status:str ProtocolMin:u8 ProtocolMax:u8 ProtocolCur:u8 " +
    "DelegateMin:u8 DelegateMax:u8 DelegateCur:u8",
  RPC_KINDS,
);

/** A member record as go-msgpack writes Serf's `agent.Member`. */
export function memberValue(m: RpcMember): MsgpackEncodable {
  return MEMBER.encode(m);
}

/** Reads a member record. @throws {DecodeError} on wrong field types */
export function decodeMember(value: unknown): RpcMember {
  return MEMBER.decode(asStruct(value, "member"));
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

const MEMBERS_FILTER = new GoStructSchema<MembersFilter>("Tags:strmap Status:str Name:str", RPC_KINDS);

export function membersFilterValue(f: MembersFilter): MsgpackEncodable {
  return MEMBERS_FILTER.encode(f);
}

export function decodeMembersFilter(value: unknown): MembersFilter {
  return MEMBERS_FILTER.decode(asStruct(value, "members filter"));
}
