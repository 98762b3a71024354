/**
 * Serf's agent RPC ("IPC") protocol, as `serf agent -rpc-addr` speaks it and the
 * `serf` CLI uses it: over one TCP connection the client writes a request header
 * map `{Command, Seq}` optionally followed by a body map, and the agent answers
 * with a response header `{Seq, Error}` optionally followed by a body. Streaming
 * commands (`stream`, `monitor`, `query`) answer once, then keep sending
 * header+record pairs under the same `Seq` until stopped or done.
 *
 * Everything is MessagePack in go-msgpack's new-spec mode (the agent's handle has
 * `WriteExt: true`): strings as str8/16/32, byte slices as bin. Error texts are
 * byte-for-byte Serf's, because clients compare them.
 *
 * See docs/rpc-protocol.md for the full picture.
 *
 * @module
 */
import { asInt, asString, asStruct, goStruct, MsgpackWriter } from "../codec/msgpack.ts";
import type { MsgpackEncodable } from "../codec/msgpack.ts";

/** Lowest and highest protocol version the handshake accepts (Serf has only ever had 1). */
export const IPC_VERSION_MIN = 1;
export const IPC_VERSION_MAX = 1;

/**
 * Every command, as sent in `RequestHeader.Command`, with whether its request
 * header is followed by a body and whether its first response header is (even
 * when `Error` is set).
 */
const COMMAND_BODIES = {
  "handshake": { request: true, response: false },
  "auth": { request: true, response: false },
  "event": { request: true, response: false },
  "force-leave": { request: true, response: false },
  "join": { request: true, response: true },
  "members": { request: false, response: true },
  "members-filtered": { request: true, response: true },
  "tags": { request: true, response: false },
  "stream": { request: true, response: false },
  "monitor": { request: true, response: false },
  "stop": { request: true, response: false },
  "leave": { request: false, response: false },
  "query": { request: true, response: false },
  "respond": { request: true, response: false },
  "install-key": { request: true, response: true },
  "use-key": { request: true, response: true },
  "remove-key": { request: true, response: true },
  "list-keys": { request: false, response: true },
  "stats": { request: false, response: true },
  "get-coordinate": { request: true, response: true },
} as const satisfies Record<string, { request: boolean; response: boolean }>;

/** One RPC command name. */
export type RpcCommand = keyof typeof COMMAND_BODIES;

/** Every command name. */
export const RPC_COMMANDS: readonly RpcCommand[] = Object.keys(COMMAND_BODIES) as RpcCommand[];

/** True when `name` is a command this protocol knows. */
export function isRpcCommand(name: string): name is RpcCommand {
  return Object.hasOwn(COMMAND_BODIES, name);
}

/** Whether a request for `command` carries a body after its header. */
export function requestHasBody(command: RpcCommand): boolean {
  return COMMAND_BODIES[command].request;
}

/** Whether the (first) response to `command` carries a body after its header. */
export function responseHasBody(command: RpcCommand): boolean {
  return COMMAND_BODIES[command].response;
}

/**
 * Serf's error strings, sent in `ResponseHeader.Error`. Clients match on them
 * (the Go client treats `authRequired` as "no body follows"), so they must not change.
 */
export const RPC_ERRORS = {
  unsupportedCommand: "Unsupported command",
  unsupportedIpcVersion: "Unsupported IPC version",
  duplicateHandshake: "Handshake already performed",
  handshakeRequired: "Handshake required",
  monitorExists: "Monitor already exists",
  invalidFilter: "Invalid event filter",
  streamExists: "Stream with given sequence exists",
  invalidQueryId: "No pending queries matching ID",
  authRequired: "Authentication required",
  invalidAuthToken: "Invalid authentication token",
} as const;

/** Errors after which the agent sends no response body, whatever the command. */
export const BODYLESS_ERRORS: ReadonlySet<string> = new Set([
  RPC_ERRORS.authRequired,
  RPC_ERRORS.handshakeRequired,
  RPC_ERRORS.unsupportedCommand,
]);

/** Record types streamed back for a `query` command. */
export const QUERY_RECORD = { ack: "ack", response: "response", done: "done" } as const;

/** `{Command, Seq}`: starts every request. */
export interface RequestHeader {
  command: string;
  /** Chosen by the client, echoed in every response (and stream record) for this request. */
  seq: number;
}

/** `{Seq, Error}`: starts every response and every streamed record. */
export interface ResponseHeader {
  seq: number;
  /** Empty on success; otherwise Serf's error text. */
  error: string;
}

/** Largest sequence number we handle (Go's is a uint64; no client gets near 2^53). */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Encodes values as Serf's RPC handle does (new-spec strings and bin). */
export function encodeRpcFrame(...values: MsgpackEncodable[]): Uint8Array {
  const writer = new MsgpackWriter({ newSpec: true });
  for (const v of values) writer.write(v);
  return writer.finish();
}

/** `{Error, Seq}` up to the error value: a two-field map, keys in go-msgpack's order. */
const HEADER_TO_ERROR = Uint8Array.of(0x82, ...encodeRpcFrame("Error"));
const HEADER_SEQ_KEY = encodeRpcFrame("Seq");

/**
 * Appends a response header to `writer` (made with `{ newSpec: true }`): the same
 * bytes as `encodeRpcFrame(responseHeaderValue(h))` without building the map.
 */
export function writeResponseHeader(writer: MsgpackWriter, h: ResponseHeader): void {
  writer.writeRaw(HEADER_TO_ERROR).write(h.error).writeRaw(HEADER_SEQ_KEY).write(h.seq);
}

/** The request header as go-msgpack writes it. */
export function requestHeaderValue(h: RequestHeader): MsgpackEncodable {
  return goStruct({ Command: h.command, Seq: h.seq });
}

/** The response header as go-msgpack writes it. */
export function responseHeaderValue(h: ResponseHeader): MsgpackEncodable {
  return goStruct({ Seq: h.seq, Error: h.error });
}

/**
 * Reads a decoded request header with Go's struct rules (missing fields are zero).
 * @throws {DecodeError} when it is not a map or a field has the wrong type
 */
export function decodeRequestHeader(value: unknown): RequestHeader {
  const m = asStruct(value, "request header");
  return { command: asString(m.Command, "Command"), seq: asInt(m.Seq, "Seq", 0, MAX_SEQ) };
}

/**
 * Reads a decoded response header.
 * @throws {DecodeError} when it is not a map or a field has the wrong type
 */
export function decodeResponseHeader(value: unknown): ResponseHeader {
  const m = asStruct(value, "response header");
  return { seq: asInt(m.Seq, "Seq", 0, MAX_SEQ), error: asString(m.Error, "Error") };
}

/**
 * True when a decoded object has exactly the shape of a response header. The
 * client uses it to resynchronise after a record for a sequence it no longer
 * tracks: a header is always `{Seq, Error}`, no body has both keys and nothing else.
 */
export function looksLikeResponseHeader(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes("Seq") && keys.includes("Error");
}

/** Go's `time.Duration` is nanoseconds; the RPC carries query timeouts that way. */
export function msToDuration(ms: number): number {
  return Math.round(ms * 1_000_000);
}

/** Converts a Go `time.Duration` (nanoseconds) to milliseconds. */
export function durationToMs(ns: number): number {
  return ns / 1_000_000;
}
