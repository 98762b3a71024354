/**
 * The read-only endpoints: `/v1/members`, `/v1/coordinates`, `/v1/rtt` and
 * `/v1/stats`. Each reads the agent's state once and answers at once.
 *
 * @module
 */
import { distanceTo } from "../coordinate/coordinate.ts";
import type { RpcAgent } from "../rpc/agent_api.ts";
import { filterMembers } from "../rpc/handlers.ts";
import type { RpcMember } from "../rpc/member_record.ts";
import { errorMessage } from "../util/errors.ts";
import { HttpError } from "./json.ts";
import type { ApiMember, ApiNodeCoordinate } from "./api_types.ts";
import { coordinateJson, memberJson } from "./records.ts";

/**
 * `GET /v1/members[?status=re&name=re]`: every member, or those whose status and
 * name match the anchored regular expressions (as `serf members -status -name`).
 * @throws {HttpError} 400 for an expression that does not compile
 */
export function membersJson(agent: RpcAgent, query: URLSearchParams): ApiMember[] {
  const status = query.get("status") ?? "";
  const name = query.get("name") ?? "";
  let members: RpcMember[] = agent.members();
  if (status !== "" || name !== "") {
    try {
      members = filterMembers(members, { tags: {}, status, name });
    } catch (err) {
      throw new HttpError(400, `Bad member filter: ${errorMessage(err)}`);
    }
  }
  return members.map(memberJson);
}

/** `GET /v1/coordinates`: each member with a cached coordinate, this node included. */
export function coordinatesJson(agent: RpcAgent): ApiNodeCoordinate[] {
  const out: ApiNodeCoordinate[] = [];
  for (const m of agent.members()) {
    const c = agent.getCoordinate(m.name);
    if (c !== undefined) out.push({ Node: m.name, Coord: coordinateJson(c) });
  }
  return out;
}

/**
 * `GET /v1/rtt?from=a&to=b`: the estimated round trip between two nodes from
 * their Vivaldi coordinates, in milliseconds; `from` defaults to `self` (this node).
 * @throws {HttpError} 400 without `to`, 404 for a node without a coordinate
 */
export function rttJson(
  agent: RpcAgent,
  query: URLSearchParams,
  self: string,
): { From: string; To: string; RttMs: number } {
  const to = query.get("to");
  if (to === null || to === "") throw new HttpError(400, "missing query parameter 'to' (a node name)");
  const from = query.get("from") || self;
  const a = coordinateOf(agent, from);
  const b = coordinateOf(agent, to);
  let seconds: number;
  try {
    seconds = distanceTo(a, b);
  } catch (err) {
    throw new HttpError(409, `Cannot compare the coordinates of "${from}" and "${to}": ${errorMessage(err)}`);
  }
  return { From: from, To: to, RttMs: seconds * 1000 };
}

function coordinateOf(agent: RpcAgent, node: string) {
  const c = agent.getCoordinate(node);
  if (c === undefined) throw new HttpError(404, `no coordinate for node ${JSON.stringify(node)}`);
  return c;
}
