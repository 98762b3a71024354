/**
 * Serf queries: a request gossiped to the cluster (optionally filtered by node
 * name or tag regex) whose answers come straight back to the asker over UDP,
 * optionally also relayed through `relayFactor` other members so a lossy
 * direct path does not lose them.
 *
 * @module
 */
import { bytesToIp } from "../util/addr.ts";
import { errorMessage } from "../util/errors.ts";
import { randomInt } from "../util/random.ts";
import {
  decodeFilter,
  encodeFilter,
  encodeRelayMessage,
  encodeSerfMessage,
  QUERY_FLAG_ACK,
  QUERY_FLAG_NO_BROADCAST,
  type QueryMessage,
  type QueryResponseMessage,
} from "./messages.ts";
import type { QueryParam, QuerySeen } from "./query_response.ts";
import type { SerfCore } from "./serf_core.ts";
import type { QueryEvent } from "./types.ts";

/** Our response (or, with {@linkcode QUERY_FLAG_ACK}, our ack) to query `q`. */
export function queryResponseFor(
  s: SerfCore,
  q: { lTime: number; id: number },
  payload: Uint8Array,
  flags = 0,
): QueryResponseMessage {
  return { type: "queryResponse", lTime: q.lTime, id: q.id, from: s.config.nodeName, flags, payload };
}

/** Serf's default query timeout: gossipInterval * queryTimeoutMult * ceil(log10(n+1)). */
export function defaultQueryTimeoutMs(s: SerfCore): number {
  const n = s.memberlist.numMembers();
  const gossip = s.config.memberlist.gossipIntervalMs ?? 200;
  return gossip * s.config.queryTimeoutMult * Math.ceil(Math.log10(n + 1));
}

/** Encodes the filters of `p` as Serf puts them in the query. */
export function encodeFilters(p: QueryParam): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (p.filterNodes && p.filterNodes.length > 0) {
    out.push(encodeFilter({ type: "node", nodes: p.filterNodes }));
  }
  for (const [tag, expr] of Object.entries(p.filterTags ?? {})) {
    out.push(encodeFilter({ type: "tag", tag, expr }));
  }
  return out;
}

/**
 * True when a member with `name` and `tags` passes the filters of `p`, judged
 * as each receiver judges itself (node list; unanchored tag regexps, a
 * missing tag reads as ""). An invalid regexp matches nobody.
 */
export function memberMatchesQuery(name: string, tags: Record<string, string>, p: QueryParam): boolean {
  if (p.filterNodes && p.filterNodes.length > 0 && !p.filterNodes.includes(name)) return false;
  for (const [tag, expr] of Object.entries(p.filterTags ?? {})) {
    try {
      if (!new RegExp(expr).test(tags[tag] ?? "")) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** True when this node passes every filter of a query. */
export function shouldProcessQuery(s: SerfCore, filters: Uint8Array[]): boolean {
  for (const raw of filters) {
    let f;
    try {
      f = decodeFilter(raw);
    } catch (err) {
      s.log.warn(`failed to decode filter: ${errorMessage(err)}`);
      return false;
    }
    if (f.type === "node") {
      if (!f.nodes.includes(s.config.nodeName)) return false;
    } else {
      let re: RegExp;
      try {
        re = new RegExp(f.expr);
      } catch (err) {
        s.log.warn(`failed to compile filter regex (${f.expr}): ${errorMessage(err)}`);
        return false;
      }
      if (!re.test(s.config.tags[f.tag] ?? "")) return false;
    }
  }
  return true;
}

/** Sends a response (or ack) to the asker directly and through `relayFactor` random alive peers. */
export function sendResponse(
  s: SerfCore,
  q: QueryMessage,
  resp: QueryResponseMessage,
  raw: Uint8Array,
): void {
  const dest = { host: bytesToIp(q.addr), port: q.port };
  s.memberlist.sendToAddress(dest, raw);
  if (q.relayFactor === 0) return;
  const members = [...s.members.byName.values()].map((m) => m.member);
  if (members.length < q.relayFactor + 1) return;
  const relayed = encodeRelayMessage({ destAddr: q.addr, destPort: q.port, destName: q.sourceNode }, resp);
  if (relayed.length > s.config.queryResponseSizeLimit) {
    throw new RangeError(`relayed response exceeds limit of ${s.config.queryResponseSizeLimit} bytes`);
  }
  const candidates = members.filter((m) =>
    m.status === "alive" && m.protocolMax >= 5 && m.name !== s.config.nodeName
  );
  const picked = new Set<number>();
  for (let i = 0; i < 3 * candidates.length && picked.size < q.relayFactor; i++) {
    picked.add(randomInt(s.rng, candidates.length));
  }
  for (const i of picked) {
    const m = candidates[i]!;
    s.memberlist.sendToAddress({ host: m.addr, port: m.port }, relayed);
  }
}

/**
 * Handles a query gossiped to us: dedupe by (LTime, ID), filter, ack, and
 * deliver to the event stream. Returns true when it should be rebroadcast.
 */
export function handleQuery(s: SerfCore, q: QueryMessage, seen: QuerySeen): boolean {
  s.queryClock.witness(q.lTime);
  if (q.lTime < s.queryMinTime) return false;
  const cur = s.queryClock.time();
  if (cur > s.config.queryBuffer && q.lTime < cur - s.config.queryBuffer) {
    s.log.warn(`received old query ${q.name} from time ${q.lTime} (current: ${cur})`);
    return false;
  }
  if (!seen.record(q.lTime, q.id)) return false;
  if (s.metrics.enabled) {
    s.metrics.incrCounter(["serf", "queries"]);
    s.metrics.incrCounter(["serf", "queries", q.name]);
  }
  const rebroadcast = (q.flags & QUERY_FLAG_NO_BROADCAST) === 0;
  if (!shouldProcessQuery(s, q.filters)) return rebroadcast;

  if (q.flags & QUERY_FLAG_ACK) {
    const ack = queryResponseFor(s, q, new Uint8Array(), QUERY_FLAG_ACK);
    try {
      sendResponse(s, q, ack, encodeSerfMessage(ack));
    } catch (err) {
      s.log.error(`failed to send ack: ${errorMessage(err)}`);
    }
  }
  s.emit(makeQueryEvent(s, q));
  return rebroadcast;
}

function makeQueryEvent(s: SerfCore, q: QueryMessage): QueryEvent {
  let responded = false;
  const deadline = s.clock.now() + q.timeoutMs;
  return {
    type: "query",
    lTime: q.lTime,
    name: q.name,
    payload: q.payload,
    id: q.id,
    sourceNode: q.sourceNode,
    deadline,
    respond(payload: Uint8Array): void {
      // Serf prefixes every refusal with "failed to respond to key query: " (for any query), and RPC
      // clients see that text verbatim.
      const refused = "failed to respond to key query";
      const resp = queryResponseFor(s, q, payload);
      const raw = encodeSerfMessage(resp);
      if (raw.length > s.config.queryResponseSizeLimit) {
        throw new RangeError(
          `${refused}: response exceeds limit of ${s.config.queryResponseSizeLimit} bytes`,
        );
      }
      if (responded) throw new Error(`${refused}: response already sent`);
      if (s.clock.now() > deadline) throw new Error(`${refused}: response is past the deadline`);
      try {
        sendResponse(s, q, resp, raw);
      } catch (err) {
        throw new Error(`${refused}: ${errorMessage(err)}`, { cause: err });
      }
      responded = true;
    },
  };
}

/** An answer (or ack) for one of our queries arrived. */
export function handleQueryResponse(s: SerfCore, r: QueryResponseMessage): void {
  const query = s.pendingQueries.get(r.lTime);
  if (!query) {
    s.log.warn(`reply for non-running query (LTime: ${r.lTime}, ID: ${r.id}) From: ${r.from}`);
    return;
  }
  if (query.id !== r.id) {
    s.log.warn(`query reply ID mismatch (Local: ${query.id}, Response: ${r.id})`);
    return;
  }
  if (r.flags & QUERY_FLAG_ACK) {
    const outcome = query.addAck(r.from);
    if (outcome !== "ignored") {
      s.metrics.incrCounter(["serf", outcome === "added" ? "query_acks" : "query_duplicate_acks"]);
    }
  } else {
    const outcome = query.addResponse({ from: r.from, payload: r.payload });
    if (outcome !== "ignored") {
      s.metrics.incrCounter(["serf", outcome === "added" ? "query_responses" : "query_duplicate_responses"]);
    }
  }
}
