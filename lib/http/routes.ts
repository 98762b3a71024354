/**
 * The route table of the HTTP API: which handler answers a method and path,
 * which paths need the bearer token, HEAD and OPTIONS, and the 404 and 405
 * answers.
 *
 * @module
 */
import type { HttpExchange } from "../platform/http_listener.ts";
import { HttpError } from "./json.ts";

/** A request as a handler sees it: the exchange, the parsed query, and the body for POST. */
export interface HttpRequest {
  ex: HttpExchange;
  path: string;
  query: URLSearchParams;
}

/** Answers one request; throws {@linkcode HttpError} for a 4xx. */
export type RouteHandler = (req: HttpRequest) => void | Promise<void>;

/** Method → handler, by exact path. */
export type RouteTable = ReadonlyMap<string, ReadonlyMap<string, RouteHandler>>;

/** Splits a request target into its path and query (no URL base tricks: `//x` stays a path). */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  return { path, query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)) };
}

/** True for the paths that hold cluster data and so need the bearer token. */
export function needsAuth(path: string): boolean {
  return path.startsWith("/v1/") || path === "/v1" || path === "/metrics";
}

/**
 * The handler for `method` on `path`. HEAD is answered by the GET handler
 * (the listener drops the body and a stream ends after its head) and OPTIONS
 * by the list of methods, as HTTP clients and probes expect of any server.
 * @throws {HttpError} 404 for an unknown path, 405 (with `Allow`) for a wrong method
 */
export function route(table: RouteTable, method: string, path: string): RouteHandler {
  const methods = table.get(path);
  if (!methods) throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  if (method === "HEAD") {
    const get = methods.get("GET");
    if (get) return (req) => get({ ...req, ex: headOnly(req.ex) });
  }
  const handler = methods.get(method);
  if (handler) return handler;
  const allow = allowedMethods(methods);
  if (method === "OPTIONS") return ({ ex }) => ex.respond(200, { Allow: allow }, "");
  throw new HttpError(405, `method ${method} not allowed on ${path}: use ${allow}`, { Allow: allow });
}

/** The `Allow` list of a path: its own methods, HEAD wherever GET is, and OPTIONS. */
function allowedMethods(methods: ReadonlyMap<string, RouteHandler>): string {
  const list = [...methods.keys()];
  if (methods.has("GET")) list.push("HEAD");
  list.push("OPTIONS");
  return list.join(", ");
}

/** The exchange a GET handler answers a HEAD through: a stream ends as soon as its head is out. */
function headOnly(ex: HttpExchange): HttpExchange {
  return {
    get method() {
      return ex.method;
    },
    get url() {
      return ex.url;
    },
    header: (name) => ex.header(name),
    readBody: (maxBytes) => ex.readBody(maxBytes),
    respond: (status, headers, body) => ex.respond(status, headers, body),
    startStream(status, headers) {
      ex.startStream(status, headers);
      ex.end();
    },
    write: (chunk) => ex.write(chunk),
    end: () => ex.end(),
    abort: () => ex.abort(),
    get closed() {
      return ex.closed;
    },
    onClose: (fn) => ex.onClose(fn),
  };
}
