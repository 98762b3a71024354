/**
 * The route table of the HTTP API: which handler answers a method and path,
 * which paths need the bearer token, and the 404 and 405 answers.
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
 * The handler for `method` on `path`.
 * @throws {HttpError} 404 for an unknown path, 405 (with `Allow`) for a wrong method
 */
export function route(table: RouteTable, method: string, path: string): RouteHandler {
  const methods = table.get(path);
  if (!methods) throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  const handler = methods.get(method);
  if (handler) return handler;
  const allow = [...methods.keys()].join(", ");
  throw new HttpError(405, `method ${method} not allowed on ${path}: use ${allow}`, { Allow: allow });
}
