/**
 * Starting cluster-wide traffic from this node: user events and queries.
 * Both are checked against Serf's size limits before anything is sent, then
 * handled locally (so we see our own event or answer our own query) and
 * queued for gossip.
 *
 * @module
 */
import { ipToBytes } from "../util/addr.ts";
import { USER_EVENT_SIZE_LIMIT } from "./config.ts";
import { encodeSerfMessage, QUERY_FLAG_ACK } from "./messages.ts";
import { defaultQueryTimeoutMs, encodeFilters, handleQuery, memberMatchesQuery } from "./query.ts";
import { type QueryParam, QueryResponse } from "./query_response.ts";
import type { SerfCore } from "./serf_core.ts";
import { handleUserEvent } from "./user_event.ts";

/**
 * Sends a user event to the cluster.
 * @throws {RangeError} when the event exceeds the configured size limit
 */
export function sendUserEvent(s: SerfCore, name: string, payload: Uint8Array, coalesce: boolean): void {
  const limit = s.config.userEventSizeLimit;
  const size = new TextEncoder().encode(name).length + payload.length;
  if (size > limit) {
    throw new RangeError(`user event exceeds configured limit of ${limit} bytes before encoding`);
  }
  if (size > USER_EVENT_SIZE_LIMIT) {
    throw new RangeError(`user event exceeds sane limit of ${USER_EVENT_SIZE_LIMIT} bytes before encoding`);
  }
  const msg = { type: "userEvent" as const, lTime: s.eventClock.time(), name, payload, cc: coalesce };
  const raw = encodeSerfMessage(msg);
  if (raw.length > limit) {
    throw new RangeError(`encoded user event exceeds configured limit of ${limit} bytes after encoding`);
  }
  s.eventClock.increment();
  s.stats.userEventsSent++;
  handleUserEvent(s, s.eventBuffer, msg);
  s.eventQueue.queueUnique(raw);
  s.memberlist.wakeGossip();
}

/**
 * Starts a query; responses stream in on the returned object until its deadline.
 * @throws {RangeError} when the query exceeds `querySizeLimit`
 */
export function startQuery(
  s: SerfCore,
  name: string,
  payload: Uint8Array,
  params: QueryParam,
): QueryResponse {
  if (s.config.protocolVersion < 4) {
    throw new Error("Feature not supported: queries need protocol version 4 or later");
  }
  const timeoutMs = params.timeoutMs && params.timeoutMs > 0 ? params.timeoutMs : defaultQueryTimeoutMs(s);
  const local = s.memberlist.advertiseAddress;
  const q = {
    type: "query" as const,
    lTime: s.queryClock.time(),
    id: Math.floor(s.rng.next() * 0x7fffffff) >>> 0,
    addr: ipToBytes(local.host),
    port: local.port,
    sourceNode: s.config.nodeName,
    filters: encodeFilters(params),
    flags: params.requestAck ? QUERY_FLAG_ACK : 0,
    relayFactor: params.relayFactor ?? 0,
    timeoutMs,
    name,
    payload,
  };
  const raw = encodeSerfMessage(q);
  if (raw.length > s.config.querySizeLimit) {
    throw new RangeError(`query exceeds limit of ${s.config.querySizeLimit} bytes`);
  }
  const resp = new QueryResponse({
    id: q.id,
    lTime: q.lTime,
    deadline: s.clock.now() + timeoutMs,
    ack: !!params.requestAck,
    expected: s.memberlist.numMembers(),
    now: () => s.clock.now(),
    // The alive members the filters match now: once all have answered, stop waiting.
    awaiting: params.waitForTimeout ? undefined : [...s.members.byName.values()]
      .filter((m) => m.member.status === "alive" && memberMatchesQuery(m.member.name, m.member.tags, params))
      .map((m) => m.member.name),
  });
  s.stats.queriesSent++;
  s.pendingQueries.set(q.lTime, resp);
  s.schedule(timeoutMs, () => {
    s.pendingQueries.delete(q.lTime);
    resp.close();
  });
  handleQuery(s, q, s.querySeen);
  s.queryQueue.queueUnique(raw);
  s.memberlist.wakeGossip();
  return resp;
}
