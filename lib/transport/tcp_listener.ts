/**
 * Plain TCP for things that are not gossip: a listener that hands out accepted
 * connections as {@linkcode Stream}s, and a dialer. Serf's RPC endpoint (and the
 * CLI talking to it) needs only this, not a full UDP+TCP {@linkcode Transport}.
 *
 * This module is runtime-neutral: the listener's shape and the dial error. The
 * sockets are in `deno_tcp.ts` and `bun_tcp.ts`; `detect.ts` picks one
 * ({@linkcode listenStream}, {@linkcode dialStream} there).
 *
 * @module
 */
import type { Address } from "../util/addr.ts";
import { TimeoutError } from "../util/errors.ts";
import { errnoName, goDialErrorText, goDialTimeoutText } from "./go_net_error.ts";
import type { ListenOptions, Stream, StreamHandler } from "./transport.ts";
import type { Clock } from "../util/clock.ts";

/** A TCP listener; every accepted connection goes to the handler given at listen time. */
export interface StreamListener {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly localAddress: Address;
  /** Stops accepting, closes every connection it accepted, and waits for them to settle. */
  close(): Promise<void>;
}

/** One runtime's plain TCP: what `deno_tcp.ts` and `bun_tcp.ts` each provide. */
export interface StreamNetwork {
  /** Listens on `options`; the handler owns each accepted stream. @throws {Error} when it cannot bind */
  listen(options: ListenOptions, onStream: StreamHandler, clock: Clock): Promise<StreamListener>;
  /** Connects to `to` within `timeoutMs` on `clock`. @throws {DialError} */
  dial(to: Address, timeoutMs: number, clock: Clock): Promise<Stream>;
}

/**
 * A dial that failed. `code` tells refused connections and timeouts apart so
 * callers can word their own message (the Serf CLI mimics Go's dial errors).
 */
export class DialError extends Error {
  override name = "DialError";
  constructor(message: string, readonly code: "refused" | "timeout" | "other", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Classifies a failed dial to `to` (a {@linkcode TimeoutError} from the deadline, or the runtime's
 * error), worded as Go's `net.Dial` error (see `go_net_error.ts`).
 */
export function dialFailure(to: Address, err: unknown): DialError {
  if (err instanceof TimeoutError) return new DialError(goDialTimeoutText(to), "timeout", { cause: err });
  const cause = (err as { cause?: unknown }).cause ?? err;
  const refused = errnoName(cause) === "ECONNREFUSED";
  return new DialError(goDialErrorText(to, cause), refused ? "refused" : "other", { cause });
}

/** Tracks an accepted stream until it closes and hands it to the handler; a handler that throws loses it. */
export function deliverStream<S extends Stream>(streams: Set<S>, stream: S, onStream: StreamHandler): void {
  streams.add(stream);
  try {
    onStream(stream);
  } catch {
    stream.close();
  }
}
