/// <reference lib="dom" />
/**
 * The page's side of the agent's HTTP API: JSON calls and the `/v1/events`
 * stream, with the `http_auth` bearer token when one is known. The token is
 * kept in localStorage (per origin) after the operator types it once; the
 * static files are served without it, so the page can ask.
 *
 * @module
 */
import { type SseMessage, SseParser } from "./sse.ts";

/** Thrown when the agent answers 401: the page must ask for the token. */
export class AuthRequiredError extends Error {
  override name = "AuthRequiredError";
  constructor(options?: ErrorOptions) {
    super("The agent needs its http_auth token: enter it above", options);
  }
}

const TOKEN_KEY = "serfts.http_auth";

/** Calls the API of the agent that served the page. */
export class ApiClient {
  #storage: Storage | undefined;
  #token: string;

  constructor(storage: Storage | undefined) {
    this.#storage = storage;
    this.#token = storage?.getItem(TOKEN_KEY) ?? "";
  }

  /** Remembers the bearer token for later calls (and later visits). */
  setToken(token: string): void {
    this.#token = token;
    this.#storage?.setItem(TOKEN_KEY, token);
  }

  /** GETs `path` and parses its JSON; throws the API's `error` text on failure. */
  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const res = await fetch(path, { headers: this.#headers(), signal });
    return await this.#json(res);
  }

  /** POSTs `body` as JSON to `path` and parses the JSON answer. */
  async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const res = await fetch(path, {
      method: "POST",
      headers: { ...this.#headers(), "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    return await this.#json(res);
  }

  /**
   * Reads `/v1/events` until the server ends it or `signal` aborts, calling
   * `onMessage` for each event. Resolves when the stream ends; the caller
   * decides when to reconnect.
   */
  async streamEvents(onMessage: (m: SseMessage) => void, signal: AbortSignal): Promise<void> {
    const res = await fetch("/v1/events", { headers: this.#headers(), signal });
    if (!res.ok || !res.body) {
      await this.#json(res);
      throw new Error(`GET /v1/events answered ${res.status} without a stream`);
    }
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const m of parser.push(value)) onMessage(m);
      }
    } finally {
      reader.releaseLock();
    }
  }

  #headers(): Record<string, string> {
    return this.#token ? { Authorization: `Bearer ${this.#token}` } : {};
  }

  async #json(res: Response): Promise<unknown> {
    if (res.status === 401) throw new AuthRequiredError();
    const text = await res.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${res.url} answered ${res.status} with something other than JSON`);
    }
    if (!res.ok) {
      const error = typeof value === "object" && value !== null
        ? (value as { error?: unknown }).error
        : undefined;
      throw new Error(typeof error === "string" ? error : `${res.url} answered ${res.status}`);
    }
    return value;
  }
}
