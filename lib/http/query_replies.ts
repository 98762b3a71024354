/**
 * `POST /v1/respond`: answers a query that an HTTP client saw on
 * `/v1/events`, so a webhook-style program can serve queries without an RPC
 * connection. Serf's RPC ties a query to the connection whose stream carried
 * it; HTTP has no such connection, so the server keeps the queries its event
 * streams delivered until their deadline, keyed by the `ID` and `LTime` the
 * stream showed (an id alone is unique only per Lamport time).
 *
 * @module
 */
import type { QueryEvent } from "../serf/types.ts";
import type { Clock } from "../util/clock.ts";
import { DeadlineMap } from "../util/deadline_map.ts";
import { errorMessage } from "../util/errors.ts";
import { HttpError, payloadFromBody } from "./json.ts";

/** Queries shown on some event stream whose deadline has not passed. */
export class DeliveredQueries {
  readonly #byKey: DeadlineMap<string, QueryEvent>;

  constructor(clock: Clock) {
    this.#byKey = new DeadlineMap(clock);
  }

  /** How many queries can still be answered. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Remembers `query` until its deadline; showing it on several streams keeps one entry. */
  remember(query: QueryEvent): void {
    const key = keyOf(query.id, query.lTime);
    if (!this.#byKey.has(key)) this.#byKey.set(key, query, query.deadline);
  }

  /**
   * Sends `payload` as the response to the query with `id` and `lTime`.
   * @throws {HttpError} 404 when no such query is pending, 400 when Serf refuses the response
   */
  respond(id: number, lTime: number, payload: Uint8Array): void {
    const query = this.#byKey.get(keyOf(id, lTime));
    if (!query) {
      throw new HttpError(
        404,
        `no pending query with ID ${id} and LTime ${lTime}: it passed its deadline or never reached /v1/events`,
      );
    }
    try {
      query.respond(payload);
    } catch (err) {
      throw new HttpError(400, errorMessage(err) || "unknown error");
    }
  }

  /** Forgets every query (the server is closing). */
  clear(): void {
    this.#byKey.clear();
  }
}

function keyOf(id: number, lTime: number): string {
  return `${lTime}/${id}`;
}

/**
 * Reads `{"ID", "LTime", "Payload" | "PayloadBase64"}` and answers the query.
 * @throws {HttpError} 400 for a missing or bad field, 404 for an unknown query
 */
export function respondFromBody(queries: DeliveredQueries, body: Record<string, unknown>): number {
  const id = body.ID, lTime = body.LTime;
  if (!isUint(id) || !isUint(lTime)) {
    throw new HttpError(
      400,
      'ID and LTime must be the query\'s, as /v1/events showed them: send {"ID": 1, "LTime": 2, "Payload": "..."}',
    );
  }
  queries.respond(id, lTime, payloadFromBody(body));
  return id;
}

function isUint(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
