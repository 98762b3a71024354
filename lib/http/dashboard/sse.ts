/**
 * An incremental reader of the Server-Sent Events wire format (WHATWG HTML,
 * "event stream interpretation"), for `/v1/events` read with fetch() streaming:
 * the page cannot use EventSource because it must send an Authorization header.
 *
 * Only what the agent sends is kept: `event:` and `data:` fields. Comments
 * (`: keep-alive`), `id:` and `retry:` are ignored.
 *
 * @module
 */

/** One dispatched message: `event` defaults to "message" as in the spec. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Splits arriving text into SSE messages. Chunks may end anywhere, even inside
 * a line or between a CR and its LF; the parser keeps the unfinished tail.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SseParser } from "./sse.ts";
 *
 * const p = new SseParser();
 * assert.deepEqual(p.push("event: user\ndata: {\"a\""), []);
 * assert.deepEqual(p.push(":1}\n\n: keep-alive\n\n"), [{ event: "user", data: '{"a":1}' }]);
 * ```
 */
export class SseParser {
  #tail = "";
  #event = "";
  #data: string[] = [];
  #maxLineChars: number;

  /**
   * @param maxLineChars a line longer than this is dropped (with its message),
   * so a broken stream cannot grow the page's memory without bound.
   */
  constructor(maxLineChars = 4 * 1024 * 1024) {
    this.#maxLineChars = maxLineChars;
  }

  /** Feeds decoded text; returns the messages it completed, oldest first. */
  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let buf = this.#tail + text;
    let start = 0;
    for (;;) {
      const nl = nextLineBreak(buf, start);
      if (nl === -1) break;
      // A CR at the very end may be followed by an LF in the next chunk.
      if (buf[nl] === "\r" && nl + 1 === buf.length) break;
      const line = buf.slice(start, nl);
      start = nl + (buf[nl] === "\r" && buf[nl + 1] === "\n" ? 2 : 1);
      this.#line(line, out);
    }
    buf = buf.slice(start);
    if (buf.length > this.#maxLineChars) {
      buf = "";
      this.#event = "";
      this.#data = [];
    }
    this.#tail = buf;
    return out;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line === "") {
      if (this.#data.length > 0) out.push({ event: this.#event || "message", data: this.#data.join("\n") });
      this.#event = "";
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#event = value;
    else if (field === "data") this.#data.push(value);
  }
}

function nextLineBreak(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
