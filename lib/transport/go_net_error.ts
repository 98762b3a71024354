/**
 * Go's `net` error texts, built from what Deno or Bun report. Serf relays a
 * failed dial verbatim (`Failed to join 127.0.0.1: dial tcp 127.0.0.1:1:
 * connect: connection refused`), and RPC clients compare those strings, so
 * every runtime error that reaches an operator is translated here and nowhere
 * else.
 *
 * Deno throws `Deno.errors.*` whose message ends in `(os error N)` and whose
 * `code` is the POSIX name; Bun throws Node-style errors with `code`, `errno`
 * and `syscall`; a failed name lookup is `ENOTFOUND` in Bun and only a message
 * in Deno. All three are recognised.
 *
 * @module
 */
import { StreamEndedError } from "../codec/stream_reader.ts";
import { type Address, formatAddress } from "../util/addr.ts";
import { TimeoutError } from "../util/errors.ts";

/** Go's `syscall.Errno` texts (Linux) by POSIX name: what `connect:` is followed by. */
const ERRNO_TEXTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ECONNABORTED: "software caused connection abort",
  ETIMEDOUT: "connection timed out",
  ENETUNREACH: "network is unreachable",
  EHOSTUNREACH: "no route to host",
  EHOSTDOWN: "host is down",
  EADDRNOTAVAIL: "cannot assign requested address",
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EPIPE: "broken pipe",
  EINVAL: "invalid argument",
  EAFNOSUPPORT: "address family not supported by protocol",
};

/** Linux errno numbers of the names above, for Deno's `(os error N)` messages. */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  13: "EACCES",
  22: "EINVAL",
  32: "EPIPE",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  112: "EHOSTDOWN",
  113: "EHOSTUNREACH",
};

/** Deno's and Bun's ways of saying a host name does not exist. */
const NO_SUCH_HOST = /Name or service not known|No address associated|nodename nor servname|ENOTFOUND/i;
/** Deno's prefix for any failed lookup; what follows is the resolver's reason. */
const DENO_LOOKUP_FAILED = /^failed to lookup address information: (.*)$/;

/**
 * The POSIX error name behind a runtime's socket error (`ECONNREFUSED`), or
 * `undefined` when it carries none. Looks through one `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoName } from "./go_net_error.ts";
 *
 * assert.equal(errnoName(Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED" })), "ECONNREFUSED");
 * assert.equal(errnoName(new Error("Connection refused (os error 111)")), "ECONNREFUSED");
 * assert.equal(errnoName(new Error("something else")), undefined);
 * ```
 */
export function errnoName(err: unknown): string | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("E")) return code;
    const os = /\(os error (\d+)\)/.exec(String((e as { message?: unknown }).message ?? ""));
    if (os) return ERRNO_NAMES[Number(os[1])];
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Why a host name could not be resolved, in Go's words (`no such host`), or
 * `undefined` when `err` is not a lookup failure. A reason Go has no fixed
 * text for (the resolver timed out, say) keeps the resolver's own wording.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupFailure } from "./go_net_error.ts";
 *
 * const deno = new Error("failed to lookup address information: Name or service not known");
 * assert.equal(lookupFailure(deno), "no such host");
 * assert.equal(lookupFailure(new Error("Connection refused (os error 111)")), undefined);
 * ```
 */
export function lookupFailure(err: unknown): string | undefined {
  if (errnoName(err) === "ENOTFOUND") return "no such host";
  const message = String((err as { message?: unknown })?.message ?? err);
  if (NO_SUCH_HOST.test(message)) return "no such host";
  return DENO_LOOKUP_FAILED.exec(message)?.[1];
}

/**
 * Go's `*net.OpError` text for a failed TCP connect to `to`:
 * `dial tcp 127.0.0.1:1: connect: connection refused`, or
 * `dial tcp: lookup nosuch.example: no such host` when the name did not resolve.
 * An error with no recognisable errno keeps the runtime's own message after
 * `connect:`, so nothing is lost.
 *
 * Go's pure resolver adds ` on <dns server>` to the lookup text; the runtimes
 * do not say which server answered, so ours has the form Go's cgo resolver
 * prints.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goDialErrorText } from "./go_net_error.ts";
 *
 * const refused = Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED" });
 * assert.equal(goDialErrorText({ host: "127.0.0.1", port: 1 }, refused), "dial tcp 127.0.0.1:1: connect: connection refused");
 * ```
 */
export function goDialErrorText(to: Address, err: unknown): string {
  const lookup = lookupFailure(err);
  if (lookup !== undefined) return `dial tcp: lookup ${to.host}: ${lookup}`;
  const name = errnoName(err);
  const text = (name && ERRNO_TEXTS[name]) ?? String((err as { message?: unknown })?.message ?? err);
  return `dial tcp ${formatAddress(to)}: connect: ${text}`;
}

/**
 * Go's text for a connect that did not finish before its deadline:
 * `dial tcp 10.0.0.9:7946: i/o timeout`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goDialTimeoutText } from "./go_net_error.ts";
 *
 * assert.equal(goDialTimeoutText({ host: "::1", port: 7946 }), "dial tcp [::1]:7946: i/o timeout");
 * ```
 */
export function goDialTimeoutText(to: Address): string {
  return `dial tcp ${formatAddress(to)}: i/o timeout`;
}

/**
 * Go's text for a failed read on an established TCP stream, as memberlist
 * relays it after `Failed to join <ip>: `: `EOF` when the peer closed before
 * sending anything, `unexpected EOF` when it stopped part way,
 * `read tcp 127.0.0.1:50000->127.0.0.1:7946: i/o timeout` when the deadline
 * passed, and `read tcp ...: read: connection reset by peer` for a socket
 * error. Anything else (a protocol error, say) keeps its own message.
 *
 * @param stream the stream's two ends; Go names ours first (`local->remote`)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimeoutError } from "../util/errors.ts";
 * import { goStreamErrorText } from "./go_net_error.ts";
 *
 * const ends = { local: { host: "127.0.0.1", port: 50000 }, remote: { host: "127.0.0.1", port: 7946 } };
 * assert.equal(goStreamErrorText(new TimeoutError("deadline"), ends), "read tcp 127.0.0.1:50000->127.0.0.1:7946: i/o timeout");
 * ```
 */
export function goStreamErrorText(err: unknown, stream: { local?: Address; remote: Address }): string {
  if (err instanceof StreamEndedError) return err.received === 0 ? "EOF" : "unexpected EOF";
  const ends = stream.local
    ? `${formatAddress(stream.local)}->${formatAddress(stream.remote)}`
    : formatAddress(stream.remote);
  if (err instanceof TimeoutError) return `read tcp ${ends}: i/o timeout`;
  const name = errnoName(err);
  const text = name && ERRNO_TEXTS[name];
  if (text) return `read tcp ${ends}: read: ${text}`;
  return String((err as { message?: unknown })?.message ?? err);
}

/**
 * Go's `*net.OpError` text for a socket that could not be bound:
 * `listen tcp 127.0.0.1:7373: bind: address already in use`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goListenErrorText } from "./go_net_error.ts";
 *
 * const inUse = Object.assign(new Error("Address already in use (os error 98)"), { code: "EADDRINUSE" });
 * assert.equal(goListenErrorText("tcp", { host: "127.0.0.1", port: 7373 }, inUse), "listen tcp 127.0.0.1:7373: bind: address already in use");
 * ```
 */
export function goListenErrorText(network: "tcp" | "udp", at: Address, err: unknown): string {
  const name = errnoName(err);
  const text = (name && ERRNO_TEXTS[name]) ?? String((err as { message?: unknown })?.message ?? err);
  return `listen ${network} ${formatAddress(at)}: bind: ${text}`;
}

/**
 * memberlist's text for a gossip transport that could not bind, naming the
 * socket that failed: `Failed to start TCP listener on "127.0.0.1" port 7946:
 * listen tcp 127.0.0.1:7946: bind: address already in use`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goTransportListenErrorText } from "./go_net_error.ts";
 *
 * const denied = Object.assign(new Error("Permission denied"), { code: "EACCES" });
 * assert.equal(
 *   goTransportListenErrorText("udp", { host: "0.0.0.0", port: 80 }, denied),
 *   'Failed to start UDP listener on "0.0.0.0" port 80: listen udp 0.0.0.0:80: bind: permission denied',
 * );
 * ```
 */
export function goTransportListenErrorText(network: "tcp" | "udp", at: Address, err: unknown): string {
  const which = network.toUpperCase();
  return `Failed to start ${which} listener on ${JSON.stringify(at.host)} port ${at.port}: ${
    goListenErrorText(network, at, err)
  }`;
}
