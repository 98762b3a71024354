/**
 * The agent's HTTP/JSON API server (`http_addr`): routing, bearer auth, body
 * limits and error answers around the endpoints in read_endpoints.ts,
 * event_stream.ts, post_endpoints.ts and query_replies.ts. The listener (lib/platform) bounds
 * connections and times out slow clients, so a flood of the HTTP port never
 * reaches gossip or RPC: the agent only sees requests that arrived whole.
 *
 * @module
 */
import { BODY_TOO_LARGE, type HttpExchange, listenHttp } from "../platform/http_listener.ts";
import type { RpcAgent } from "../rpc/agent_api.ts";
import { goListenErrorText } from "../transport/go_net_error.ts";
import { type Address, parseAddress } from "../util/addr.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import { bearerMatches } from "./auth.ts";
import { serveEventStream } from "./event_stream.ts";
import { HttpError, sendError, sendJson } from "./json.ts";
import { type HttpServerOptions, httpServerOptions } from "./options.ts";
import { parseJsonObject, postEvent, postQuery } from "./post_endpoints.ts";
import { DeliveredQueries, respondFromBody } from "./query_replies.ts";
import { coordinatesJson, membersJson, rttJson } from "./read_endpoints.ts";
import {
  type HttpRequest,
  needsAuth,
  route,
  type RouteHandler,
  type RouteTable,
  splitTarget,
} from "./routes.ts";

export type { HttpAsset, HttpServerOptions } from "./options.ts";
export { DEFAULT_HTTP_OPTIONS } from "./options.ts";

/** Content type of `/metrics` (Prometheus text exposition 0.0.4). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A running HTTP API server. */
export interface HttpServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Address;
  /** Connections open right now. */
  readonly connections: number;
  /** Event streams open right now. */
  readonly eventStreams: number;
  /** Stops listening and closes every connection and stream. Safe to call twice. */
  close(): Promise<void>;
}

/** {@linkcode HttpServerOptions} plus what the server needs from its host. */
export interface StartHttpOptions extends Partial<HttpServerOptions> {
  addr: string;
  logger: Logger;
  /** @default RealClock */
  clock?: Clock;
}

/**
 * Starts the HTTP API for `agent` on `options.addr` (`ip:port`).
 *
 * @throws {Error} worded like Go's `net.Listen`, e.g.
 * "listen tcp 127.0.0.1:7380: bind: address already in use", which the agent prints after
 * "Error starting HTTP listener: "
 * @example
 * ```ts ignore
 * const http = await startHttpServer(agent, { addr: "127.0.0.1:7380", logger });
 * await http.close();
 * ```
 */
export async function startHttpServer(agent: RpcAgent, options: StartHttpOptions): Promise<HttpServer> {
  const opts = httpServerOptions(options);
  const clock = options.clock ?? new RealClock();
  let address: Address;
  try {
    address = parseAddress(opts.addr);
  } catch (err) {
    throw new Error(`listen tcp: address ${opts.addr}: missing port in address`, { cause: err });
  }
  const self = String(agent.stats().agent?.name ?? "");
  let streams = 0;
  const queries = new DeliveredQueries(clock);
  const table = routeTable(agent, opts, {
    self,
    clock,
    logger: options.logger,
    streams: { get: () => streams, add: (n) => (streams += n) },
    queries,
  });
  const serve = (ex: HttpExchange) => void handle(ex, table, opts, options.logger);
  try {
    const listener = await listenHttp(address, {
      maxConnections: opts.maxConnections,
      headersTimeoutMs: opts.headersTimeoutMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs,
    }, serve);
    return {
      address: { host: listener.host, port: listener.port },
      get connections() {
        return listener.connections;
      },
      get eventStreams() {
        return streams;
      },
      close: () => {
        queries.clear();
        return listener.close();
      },
    };
  } catch (err) {
    throw new Error(goListenErrorText("tcp", address, err), { cause: err });
  }
}

async function handle(ex: HttpExchange, table: RouteTable, opts: HttpServerOptions, logger: Logger) {
  const { path, query } = splitTarget(ex.url);
  try {
    if (
      needsAuth(path) && opts.authToken !== "" && !bearerMatches(ex.header("authorization"), opts.authToken)
    ) {
      throw new HttpError(401, "missing or wrong bearer token (http_auth)", { "WWW-Authenticate": "Bearer" });
    }
    await route(table, ex.method, path)({ ex, path, query });
  } catch (err) {
    if (ex.closed) return;
    const known = err instanceof HttpError;
    if (!known) logger.error(`HTTP ${ex.method} ${path} failed: ${errorMessage(err)}`);
    try {
      if (known) sendError(ex, err.status, err.message, err.headers);
      else sendError(ex, 500, `internal error: ${errorMessage(err)}`);
    } catch {
      ex.abort(); // a stream had already started: the client sees it end
    }
  }
}

/** Reads a JSON object body within the size limit. @throws {HttpError} 413 or 400 */
async function jsonBody(ex: HttpExchange, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await ex.readBody(maxBytes);
  if (body === BODY_TOO_LARGE) {
    throw new HttpError(413, `request body is over the limit of ${maxBytes} bytes`);
  }
  return parseJsonObject(body);
}

/** What the routes share: the server's clock and log, its stream count and the queries its streams showed. */
interface RouteContext {
  self: string;
  clock: Clock;
  logger: Logger;
  streams: { get(): number; add(n: number): void };
  queries: DeliveredQueries;
}

function routeTable(agent: RpcAgent, opts: HttpServerOptions, ctx: RouteContext): RouteTable {
  const { self, clock } = ctx;
  const get = (h: RouteHandler) => new Map([["GET", h]]);
  const post = (h: RouteHandler) => new Map([["POST", h]]);
  const timers = {
    now: () => clock.now(),
    setTimeout(fn: () => void, ms: number) {
      const t = clock.setTimer(ms, fn);
      return () => void t.cancel();
    },
  };
  const table = new Map<string, Map<string, RouteHandler>>([
    ["/v1/members", get(({ ex, query }) => sendJson(ex, 200, membersJson(agent, query)))],
    ["/v1/coordinates", get(({ ex }) => sendJson(ex, 200, coordinatesJson(agent)))],
    ["/v1/rtt", get(({ ex, query }) => sendJson(ex, 200, rttJson(agent, query, self)))],
    ["/v1/stats", get(({ ex }) => sendJson(ex, 200, agent.stats()))],
    ["/v1/events", get((req) => openEventStream(req, agent, opts, ctx))],
    ["/v1/event", post(async ({ ex }) => postEvent(ex, agent, await jsonBody(ex, opts.maxBodyBytes)))],
    [
      "/v1/query",
      post(async ({ ex }) => postQuery(ex, agent, await jsonBody(ex, opts.maxBodyBytes), timers)),
    ],
    [
      "/v1/respond",
      post(async ({ ex }) => {
        const id = respondFromBody(ctx.queries, await jsonBody(ex, opts.maxBodyBytes));
        sendJson(ex, 200, { ID: id });
      }),
    ],
    ["/metrics", get(({ ex }) => serveMetrics(ex, opts))],
  ]);
  for (const [path, asset] of opts.assets ?? []) {
    table.set(path, get(({ ex }) => ex.respond(200, { "Content-Type": asset.contentType }, asset.body)));
  }
  return table;
}

function serveMetrics(ex: HttpExchange, opts: HttpServerOptions): void {
  if (!opts.metricsText) throw new HttpError(404, "metrics are not enabled");
  ex.respond(200, { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" }, opts.metricsText());
}

function openEventStream(
  { ex, query }: HttpRequest,
  agent: RpcAgent,
  opts: HttpServerOptions,
  ctx: RouteContext,
): void {
  const { clock, logger, streams } = ctx;
  if (streams.get() >= opts.maxEventStreams) {
    throw new HttpError(
      503,
      `too many event streams open (${opts.maxEventStreams}): close one, or read /v1/members instead`,
      { "Retry-After": "5" },
    );
  }
  serveEventStream(ex, query, {
    agent,
    logger,
    buffer: opts.eventStreamBuffer,
    keepAliveCommentMs: opts.keepAliveCommentMs,
    setInterval: (fn, ms) => repeat(clock, fn, ms),
    onQueryShown: (q) => ctx.queries.remember(q),
  });
  streams.add(1);
  ex.onClose(() => streams.add(-1));
}

/** Calls `fn` every `ms` on `clock` until the returned function is called. */
function repeat(clock: Clock, fn: () => void, ms: number): () => void {
  let timer = clock.setTimer(ms, tick);
  function tick() {
    fn();
    timer = clock.setTimer(ms, tick);
  }
  return () => void timer.cancel();
}
