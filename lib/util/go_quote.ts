/**
 * Go's `%q` (and `%#v` for strings): how Serf quotes names and payloads in
 * log lines and CLI errors, reproduced so operators' log parsing keeps working.
 *
 * @module
 */

const utf8 = new TextDecoder();

/**
 * Double-quotes `text` with Go's escapes for quotes, backslashes and control
 * characters; bytes are read as UTF-8 first (invalid sequences become U+FFFD).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goQuote } from "./go_quote.ts";
 *
 * assert.equal(goQuote('a"b\n'), '"a\\"b\\n"');
 * assert.equal(goQuote(new TextEncoder().encode("v1")), '"v1"');
 * ```
 */
export function goQuote(text: string | Uint8Array): string {
  const s = typeof text === "string" ? text : utf8.decode(text);
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}
