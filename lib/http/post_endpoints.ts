/**
 * The write endpoints: `POST /v1/event` sends a user event, `POST /v1/query`
 * starts a query and streams its acks and responses as NDJSON, one line per
 * record as it arrives, then `{"Type":"done"}` (the RPC `query` path).
 *
 * @module
 */
import type { HttpExchange } from "../platform/http_listener.ts";
import type { QueryParam, RpcAgent, RpcQueryResponse } from "../rpc/agent_api.ts";
import { parseGoDuration } from "../util/duration.ts";
import { errorMessage } from "../util/errors.ts";
import { HttpError, payloadFields, payloadFromBody, sendJson } from "./json.ts";

/**
 * Parses a JSON object body.
 * @throws {HttpError} 400 for bad JSON or a non-object
 */
export function parseJsonObject(body: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw new HttpError(400, `Request body is not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "Request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function requireName(body: Record<string, unknown>, what: string): string {
  const name = body.Name;
  if (typeof name !== "string" || name === "") {
    throw new HttpError(400, `Missing ${what} name: send {"Name": "..."}`);
  }
  return name;
}

function optional<T>(
  body: Record<string, unknown>,
  key: string,
  type: "string" | "number" | "boolean" | "object",
  fallback: T,
): T {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  const actual: string = typeof v;
  if (actual !== type) throw new HttpError(400, `${key} must be a ${type}`);
  return v as T;
}

/** `POST /v1/event`. Serf's refusal (e.g. too large) becomes a 400 with its text. */
export async function postEvent(
  ex: HttpExchange,
  agent: RpcAgent,
  body: Record<string, unknown>,
): Promise<void> {
  const name = requireName(body, "event");
  const payload = payloadFromBody(body);
  const coalesce = optional(body, "Coalesce", "boolean", true);
  try {
    await agent.userEvent(name, payload, coalesce);
  } catch (err) {
    throw new HttpError(400, errorMessage(err) || "unknown error");
  }
  sendJson(ex, 200, { Name: name });
}

/** The query parameters of a `POST /v1/query` body. @throws {HttpError} 400 for a bad field */
export function queryParams(body: Record<string, unknown>): QueryParam {
  const filterNodes = optional<unknown[]>(body, "FilterNodes", "object", []);
  if (!Array.isArray(filterNodes) || !filterNodes.every((n) => typeof n === "string")) {
    throw new HttpError(400, "FilterNodes must be a list of node names");
  }
  const filterTags = optional<Record<string, unknown>>(body, "FilterTags", "object", {});
  if (Array.isArray(filterTags) || !Object.values(filterTags).every((v) => typeof v === "string")) {
    throw new HttpError(400, 'FilterTags must map tag names to regular expressions, e.g. {"role": "web"}');
  }
  const relayFactor = optional(body, "RelayFactor", "number", 0);
  if (!Number.isInteger(relayFactor) || relayFactor < 0 || relayFactor > 255) {
    throw new HttpError(400, "RelayFactor must be an integer from 0 to 255");
  }
  const params: QueryParam = {
    filterNodes: filterNodes as string[],
    filterTags: filterTags as Record<string, string>,
    requestAck: optional(body, "RequestAck", "boolean", false),
    relayFactor,
  };
  const timeout = optional(body, "Timeout", "string", "");
  if (timeout !== "") {
    try {
      params.timeoutMs = parseGoDuration(timeout);
    } catch (err) {
      throw new HttpError(400, `Timeout must be a Go duration such as "5s": ${errorMessage(err)}`);
    }
    if (!(params.timeoutMs! > 0)) throw new HttpError(400, `Timeout must be positive: ${timeout}`);
  }
  return params;
}

/** `POST /v1/query`: answers 200 once the query is sent, then streams its records. */
export async function postQuery(
  ex: HttpExchange,
  agent: RpcAgent,
  body: Record<string, unknown>,
  timers: { now(): number; setTimeout(fn: () => void, ms: number): () => void },
): Promise<void> {
  const name = requireName(body, "query");
  const payload = payloadFromBody(body);
  const params = queryParams(body);
  let resp: RpcQueryResponse;
  try {
    resp = await agent.query(name, payload, params);
  } catch (err) {
    throw new HttpError(400, errorMessage(err) || "unknown error");
  }
  ex.startStream(200, { "Content-Type": "application/x-ndjson", "Cache-Control": "no-store" });
  const line = (record: Record<string, unknown>) => ex.write(`${JSON.stringify(record)}\n`);
  let finished = false;
  const pump = async <T>(
    items: AsyncIterable<T> | undefined,
    record: (item: T) => Record<string, unknown>,
  ) => {
    if (!items) return;
    for await (const item of items) {
      if (finished || ex.closed) return;
      line(record(item));
    }
  };
  let cancel = () => {};
  const deadline = new Promise<void>((resolve) => {
    cancel = timers.setTimeout(resolve, Math.max(0, resp.deadline - timers.now()));
  });
  const gone = new Promise<void>((resolve) => ex.onClose(resolve));
  try {
    await Promise.race([
      Promise.all([
        pump(resp.acks, (from) => ({ Type: "ack", From: from })),
        pump(resp.responses, (r) => ({ Type: "response", From: r.from, ...payloadFields(r.payload) })),
      ]),
      deadline,
      gone,
    ]);
  } finally {
    finished = true;
    cancel();
  }
  line({ Type: "done" });
  ex.end();
}
