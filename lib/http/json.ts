/**
 * JSON answers and errors of the HTTP API: every error is
 * `{"error": "<text an operator can act on>"}` with a 4xx or 5xx status.
 *
 * @module
 */
import type { HttpExchange } from "../platform/http_listener.ts";

/** Content type of every JSON answer. */
export const JSON_TYPE = "application/json";

/** An error a handler throws to answer with `status` and `{"error": message}`. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

/** Sends `value` as JSON. */
export function sendJson(ex: HttpExchange, status: number, value: unknown): void {
  ex.respond(status, { "Content-Type": JSON_TYPE, "Cache-Control": "no-store" }, JSON.stringify(value));
}

/** Sends `{"error": message}` with `status`. */
export function sendError(
  ex: HttpExchange,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  ex.respond(
    status,
    { "Content-Type": JSON_TYPE, "Cache-Control": "no-store", ...headers },
    JSON.stringify({ error: message }),
  );
}

/** The UTF-8 text of a payload, and its base64 for payloads that are not text. */
export function payloadFields(payload: Uint8Array): { Payload: string; PayloadBase64: string } {
  return {
    Payload: new TextDecoder().decode(payload),
    PayloadBase64: bytesToBase64(payload),
  };
}

function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The payload of a POST body: `PayloadBase64` when given, else the UTF-8 of `Payload`.
 * @throws {HttpError} 400 when a field has the wrong type or the base64 is bad
 */
export function payloadFromBody(body: Record<string, unknown>): Uint8Array {
  const b64 = body.PayloadBase64;
  if (b64 !== undefined && b64 !== null && b64 !== "") {
    if (typeof b64 !== "string") throw new HttpError(400, "PayloadBase64 must be a base64 string");
    try {
      return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    } catch {
      throw new HttpError(400, "PayloadBase64 is not valid base64");
    }
  }
  const text = body.Payload ?? "";
  if (typeof text !== "string") throw new HttpError(400, "Payload must be a string (or use PayloadBase64)");
  return new TextEncoder().encode(text);
}
