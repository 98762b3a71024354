/**
 * A small HTTP/1.1 listener over `node:http`, which Deno 2 and Bun both
 * implement with the limits the agent relies on (`maxConnections`, header,
 * request and keep-alive timeouts). lib/http sees only the runtime-free
 * {@linkcode HttpExchange} below, so it never touches `node:http` itself.
 *
 * @module
 */
import type * as NodeHttp from "node:http";
import type { Socket } from "node:net";
import { lazyBuiltin } from "../util/builtin.ts";

/** Loaded when the first HTTP listener starts: most agents never serve HTTP. */
const nodeHttp = lazyBuiltin<typeof NodeHttp>("node:http");

/** Connection limits of one listener; every field is required (lib/http holds the defaults). */
export interface HttpListenerLimits {
  /** Connections served at once; further ones are closed as soon as they are accepted. */
  maxConnections: number;
  /** Time a client has to send the complete request head. */
  headersTimeoutMs: number;
  /** Time a client has to send the complete request, body included. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

/** What {@linkcode HttpExchange.readBody} returns for a body over the limit. */
export const BODY_TOO_LARGE: unique symbol = Symbol("body too large");

/**
 * One request and its response. Call exactly one of `respond` or
 * `startStream`; after `startStream`, `write` chunks and `end`.
 */
export interface HttpExchange {
  readonly method: string;
  /** Path and query as sent, e.g. `/v1/members?status=alive`. */
  readonly url: string;
  /** A request header by lower-case name; the first value when repeated. */
  header(name: string): string | undefined;
  /**
   * The whole body, or {@linkcode BODY_TOO_LARGE} as soon as more than
   * `maxBytes` arrived (the rest is not read; the connection closes after the answer).
   */
  readBody(maxBytes: number): Promise<Uint8Array | typeof BODY_TOO_LARGE>;
  /** Sends a complete response. */
  respond(status: number, headers: Record<string, string>, body: string | Uint8Array): void;
  /** Sends the head of a streamed response (chunked); follow with `write` and `end`. */
  startStream(status: number, headers: Record<string, string>): void;
  /** Queues a chunk; false when the client has not read what was queued before (it is slow). */
  write(chunk: string): boolean;
  /** Ends a streamed response. */
  end(): void;
  /** Drops the connection at once (for a client too slow to keep). */
  abort(): void;
  /** True once the client went away or the response ended. */
  readonly closed: boolean;
  /** Called once when the connection closes, also after a normal end. */
  onClose(fn: () => void): void;
}

/** A running listener. */
export interface HttpListener {
  /** The bound address (the real port when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** Connections open right now. */
  readonly connections: number;
  /** Stops accepting and closes every connection, streams included. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Listens on `host:port` and calls `handler` for each request. The handler
 * must not throw; a rejected promise from it is the handler's own concern.
 * @throws {Error} the runtime's listen error (with `code`, e.g. `EADDRINUSE`)
 */
export function listenHttp(
  address: { host: string; port: number },
  limits: HttpListenerLimits,
  handler: (exchange: HttpExchange) => void,
): Promise<HttpListener> {
  const http = nodeHttp();
  const sockets = new Set<Socket>();
  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node checks the header and request timeouts; its default (30 s) would let a slowloris linger.
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 2)),
  }, (req, res) => handler(exchange(req, res)));
  server.maxConnections = limits.maxConnections;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err: unknown, socket: Socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      server.on("error", () => {});
      const bound = server.address();
      const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
      let closing: Promise<void> | undefined;
      resolve({
        host: address.host,
        port,
        get connections() {
          return sockets.size;
        },
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          });
          return closing;
        },
      });
    });
  });
}

function exchange(req: NodeHttp.IncomingMessage, res: NodeHttp.ServerResponse): HttpExchange {
  let closed = false;
  const closers: (() => void)[] = [];
  const markClosed = () => {
    if (closed) return;
    closed = true;
    for (const fn of closers.splice(0)) fn();
  };
  res.on("close", markClosed);
  req.on("error", () => {});
  res.on("error", () => {});
  return {
    method: req.method ?? "GET",
    url: req.url ?? "/",
    header(name) {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    readBody(maxBytes) {
      return new Promise((resolve) => {
        const declared = Number(req.headers["content-length"] ?? "0");
        if (declared > maxBytes) {
          res.shouldKeepAlive = false;
          return resolve(BODY_TOO_LARGE);
        }
        const parts: Uint8Array[] = [];
        let size = 0;
        let settled = false;
        const finish = (value: Uint8Array | typeof BODY_TOO_LARGE) => {
          if (settled) return;
          settled = true;
          resolve(value);
        };
        req.on("data", (chunk: Uint8Array) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.shouldKeepAlive = false;
            req.pause();
            return finish(BODY_TOO_LARGE);
          }
          parts.push(chunk);
        });
        req.on("end", () => {
          const body = new Uint8Array(size);
          let at = 0;
          for (const p of parts) {
            body.set(p, at);
            at += p.length;
          }
          finish(body);
        });
        req.on("close", () => finish(new Uint8Array()));
      });
    },
    respond(status, headers, body) {
      if (closed) return;
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      res.writeHead(status, { ...headers, "Content-Length": String(bytes.length) });
      res.end(bytes);
    },
    startStream(status, headers) {
      if (closed) return;
      res.writeHead(status, headers);
      res.flushHeaders();
    },
    write(chunk) {
      if (closed) return false;
      return res.write(chunk);
    },
    end() {
      if (!closed) res.end();
    },
    abort() {
      res.destroy();
      req.socket?.destroy();
      markClosed();
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
  };
}
