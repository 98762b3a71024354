/**
 * Options of the agent's HTTP API server, with the defaults every field falls
 * back to ({@linkcode DEFAULT_HTTP_OPTIONS}).
 *
 * @module
 */

/** One static file the server hands out without auth (the dashboard's page, script and style). */
export interface HttpAsset {
  contentType: string;
  body: string | Uint8Array;
}

/** How the HTTP API server listens, limits its clients and what it serves besides the API. */
export interface HttpServerOptions {
  /** Listener address, `ip:port` (port 0 picks a free one). */
  addr: string;
  /**
   * Bearer token every `/v1/*` and `/metrics` request must present; "" for none.
   * @default ""
   */
  authToken: string;
  /** Connections served at once; more are closed on accept, so a flood cannot grow memory. @default 64 */
  maxConnections: number;
  /** Time a client has to send the request head; ends slowloris clients. @default 5000 */
  headersTimeoutMs: number;
  /** Time a client has to send the complete request. @default 10000 */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. @default 5000 */
  keepAliveTimeoutMs: number;
  /** Largest request body; larger ones get 413. @default 1048576 */
  maxBodyBytes: number;
  /** `/v1/events` streams open at once; more get 503. @default 32 */
  maxEventStreams: number;
  /** Events queued per stream for a client that reads slowly; past this it is dropped. @default 1000 */
  eventStreamBuffer: number;
  /** Interval of the `: keep-alive` comment on event streams. @default 15000 */
  keepAliveCommentMs: number;
  /**
   * The Prometheus text for `/metrics`; without it `/metrics` answers 404.
   * @default undefined
   */
  metricsText?: () => string;
  /**
   * Static files by path (`/`, `/ui/app.js`, `/ui/style.css`), served without auth.
   * @default undefined (no dashboard)
   */
  assets?: ReadonlyMap<string, HttpAsset>;
}

/** The defaults of {@linkcode HttpServerOptions}, each with its reason. */
export const DEFAULT_HTTP_OPTIONS: Readonly<Omit<HttpServerOptions, "metricsText" | "assets">> = Object
  .freeze({
    addr: "127.0.0.1:7380", // loopback unless the operator opens it up
    authToken: "",
    maxConnections: 64, // a few dashboards, scrapers and curl; a flood beyond is refused, not queued
    headersTimeoutMs: 5_000, // a request head is a few hundred bytes: 5 s is generous
    requestTimeoutMs: 10_000, // bodies are at most 1 MiB
    keepAliveTimeoutMs: 5_000, // Prometheus scrapes reuse a connection; idle ones go soon
    maxBodyBytes: 1024 * 1024, // events and queries are at most a few KiB; room for generous limits
    maxEventStreams: 32, // each holds a connection: keep half the connections for requests
    eventStreamBuffer: 1_000, // a burst of member events at 500 nodes fits
    keepAliveCommentMs: 15_000, // below common proxy idle timeouts (30-60 s)
  });

/** `options` over the defaults. @throws {RangeError} for a limit that is not a positive number */
export function httpServerOptions(options: Partial<HttpServerOptions>): HttpServerOptions {
  const merged: HttpServerOptions = { ...DEFAULT_HTTP_OPTIONS, ...options };
  for (
    const key of [
      "maxConnections",
      "headersTimeoutMs",
      "requestTimeoutMs",
      "keepAliveTimeoutMs",
      "maxBodyBytes",
      "maxEventStreams",
      "eventStreamBuffer",
      "keepAliveCommentMs",
    ] as const
  ) {
    const v = merged[key];
    if (!Number.isFinite(v) || v <= 0) {
      throw new RangeError(
        `Cannot start the HTTP API as '${key}' must be a positive number: current value is ${v}`,
      );
    }
  }
  return merged;
}
