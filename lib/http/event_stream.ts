/**
 * `GET /v1/events`: Server-Sent Events of the agent's member, user and query
 * events, filtered like an RPC `stream` (`?filter=member-join,user:deploy`).
 *
 * The agent's event fan-out calls subscribers synchronously and must never
 * wait, so each stream queues at most `eventStreamBuffer` records not yet
 * taken by the socket; a client that falls that far behind is disconnected
 * (it can reconnect and re-read `/v1/members`) instead of growing memory.
 *
 * @module
 */
import type { HttpExchange } from "../platform/http_listener.ts";
import type { RpcAgent } from "../rpc/agent_api.ts";
import { anyEventFilterMatches, isValidEventFilter, parseEventFilter } from "../rpc/event_filter.ts";
import type { QueryEvent } from "../serf/types.ts";
import type { Logger } from "../util/log.ts";
import { HttpError } from "./json.ts";
import { eventJson } from "./records.ts";

/** What one stream needs besides its exchange. */
export interface EventStreamContext {
  agent: RpcAgent;
  logger: Logger;
  /** Records a slow client may have outstanding before it is dropped. */
  buffer: number;
  keepAliveCommentMs: number;
  setInterval(fn: () => void, ms: number): () => void;
  /** Called for each query this stream shows, so `POST /v1/respond` can answer it. */
  onQueryShown?(query: QueryEvent): void;
}

/**
 * Checks `?filter=` before any byte is sent.
 * @throws {HttpError} 400 naming the bad entry
 */
export function parseStreamFilter(query: URLSearchParams) {
  const filters = parseEventFilter(query.get("filter") ?? "");
  const bad = filters.find((f) => !isValidEventFilter(f));
  if (bad) {
    throw new HttpError(
      400,
      `Invalid event filter ${JSON.stringify(bad.event)}: use member-join, member-leave, member-failed, ` +
        "member-update, member-reap, user[:NAME], query[:NAME] or *, separated by commas",
    );
  }
  return filters;
}

/** Streams events to `ex` until the client leaves, is too slow, or the server closes. */
export function serveEventStream(ex: HttpExchange, query: URLSearchParams, ctx: EventStreamContext): void {
  const filters = parseStreamFilter(query);
  ex.startStream(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",
  });
  // Records written while the socket had not drained: the socket buffers them, we count them.
  let unread = 0;
  const send = (text: string) => {
    if (ex.closed) return;
    if (ex.write(text)) unread = 0;
    else if (++unread > ctx.buffer) {
      ctx.logger.warn(`Dropping slow HTTP event stream after ${ctx.buffer} unread events`);
      ex.abort();
    }
  };
  send(": connected\n\n");
  const unsubscribe = ctx.agent.subscribeEvents((event) => {
    if (!anyEventFilterMatches(filters, event)) return;
    if (event.type === "query" && !ex.closed) ctx.onQueryShown?.(event);
    send(`event: ${event.type}\ndata: ${JSON.stringify(eventJson(event))}\n\n`);
  });
  const stopKeepAlive = ctx.setInterval(() => send(": keep-alive\n\n"), ctx.keepAliveCommentMs);
  ex.onClose(() => {
    unsubscribe();
    stopKeepAlive();
  });
}
