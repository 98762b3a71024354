/**
 * Go's `encoding/json` syntax error texts for text that `JSON.parse` refused.
 * Serf reports a broken config, keyring or tags file with Go's message
 * (`invalid character '}' looking for beginning of value`); a small scanner
 * walks the bytes through the same states as Go's to find the first bad byte
 * and what was expected there.
 *
 * @module
 */

/** How Go read the text: `json.Unmarshal` (whole input) or a `json.Decoder` (first value of a stream). */
export type GoJsonMode = "unmarshal" | "decoder";

type Frame = "objectKey" | "objectValue" | "arrayValue";

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's `quoteChar`: the byte in single quotes, escaped as `strconv.Quote` would. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const named: Record<number, string> = {
    7: "\\a",
    8: "\\b",
    9: "\\t",
    10: "\\n",
    11: "\\v",
    12: "\\f",
    13: "\\r",
  };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`;
  if (c === 0x5c) return "'\\\\'";
  return `'${String.fromCharCode(c)}'`;
}

/**
 * Go's error text for `text`, or `undefined` when Go would accept its syntax
 * (the caller then keeps its own message).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goJsonSyntaxError } from "./go_json_error.ts";
 *
 * assert.equal(goJsonSyntaxError('{"a": }', "unmarshal"), "invalid character '}' looking for beginning of value");
 * assert.equal(goJsonSyntaxError('{"a": 1', "unmarshal"), "unexpected end of JSON input");
 * assert.equal(goJsonSyntaxError('{"a": 1', "decoder"), "unexpected EOF");
 * assert.equal(goJsonSyntaxError('{"a": 1}', "unmarshal"), undefined);
 * ```
 */
export function goJsonSyntaxError(text: string, mode: GoJsonMode): string | undefined {
  const scan = scanGoJson(text, mode);
  return typeof scan === "string" ? scan : undefined;
}

/**
 * The text of the first JSON value in `text`, as Go's `json.Decoder` reads it
 * (ignoring whatever follows), or `undefined` when that value is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goJsonFirstValue } from "./go_json_error.ts";
 *
 * assert.equal(goJsonFirstValue('{"a": 1} trailing'), '{"a": 1}');
 * ```
 */
export function goJsonFirstValue(text: string): string | undefined {
  const scan = scanGoJson(text, "decoder");
  if (typeof scan === "string") return undefined;
  return new TextDecoder().decode(new TextEncoder().encode(text).subarray(0, scan.end));
}

/** Go's verdict on `text`: its error text, or where the (first) value ended. */
function scanGoJson(text: string, mode: GoJsonMode): string | { end: number } {
  const bytes = new TextEncoder().encode(text);
  const stack: Frame[] = [];
  const bad = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`;
  // A state takes one byte and returns the next state, or an error text.
  type State = (c: number) => State | string;
  let done = false;

  const endValue: State = (c) => {
    if (stack.length === 0) {
      done = true;
      return endTop(c);
    }
    if (isSpace(c)) return endValue;
    const top = stack[stack.length - 1]!;
    if (top === "objectKey") {
      if (c === 0x3a) {
        stack[stack.length - 1] = "objectValue";
        return beginValue;
      }
      return bad(c, "after object key");
    }
    if (top === "objectValue") {
      if (c === 0x2c) {
        stack[stack.length - 1] = "objectKey";
        return beginString;
      }
      if (c === 0x7d) {
        stack.pop();
        return stack.length === 0 ? finishTop : endValue;
      }
      return bad(c, "after object key:value pair");
    }
    if (c === 0x2c) return beginValue;
    if (c === 0x5d) {
      stack.pop();
      return stack.length === 0 ? finishTop : endValue;
    }
    return bad(c, "after array element");
  };
  const finishTop: State = (c) => {
    done = true;
    return endTop(c);
  };
  const endTop: State = (c) => (isSpace(c) ? endTop : bad(c, "after top-level value"));
  const beginValue: State = (c) => {
    if (isSpace(c)) return beginValue;
    switch (c) {
      case 0x7b:
        stack.push("objectKey");
        return beginStringOrEmpty;
      case 0x5b:
        stack.push("arrayValue");
        return beginValueOrEmpty;
      case 0x22:
        return inString;
      case 0x2d:
        return neg;
      case 0x30:
        return zero;
      case 0x74:
        return literal("true", 1);
      case 0x66:
        return literal("false", 1);
      case 0x6e:
        return literal("null", 1);
    }
    if (c >= 0x31 && c <= 0x39) return oneToNine;
    return bad(c, "looking for beginning of value");
  };
  const beginValueOrEmpty: State = (c) => {
    if (isSpace(c)) return beginValueOrEmpty;
    if (c === 0x5d) return endValue(c);
    return beginValue(c);
  };
  const beginStringOrEmpty: State = (c) => {
    if (isSpace(c)) return beginStringOrEmpty;
    if (c === 0x7d) {
      stack[stack.length - 1] = "objectValue";
      return endValue(c);
    }
    return beginString(c);
  };
  const beginString: State = (c) => {
    if (isSpace(c)) return beginString;
    if (c === 0x22) return inString;
    return bad(c, "looking for beginning of object key string");
  };
  const inString: State = (c) => {
    if (c === 0x22) return endValueAfterScalar;
    if (c === 0x5c) return inStringEsc;
    if (c < 0x20) return bad(c, "in string literal");
    return inString;
  };
  const inStringEsc: State = (c) => {
    if ([0x62, 0x66, 0x6e, 0x72, 0x74, 0x5c, 0x2f, 0x22].includes(c)) return inString;
    if (c === 0x75) return hexEscape(4);
    return bad(c, "in string escape code");
  };
  const hexEscape = (left: number): State => (c) => {
    if (!isHex(c)) return bad(c, "in \\u hexadecimal character escape");
    return left === 1 ? inString : hexEscape(left - 1);
  };
  const neg: State = (c) => {
    if (c === 0x30) return zero;
    if (c >= 0x31 && c <= 0x39) return oneToNine;
    return bad(c, "in numeric literal");
  };
  const oneToNine: State = (c) => (isDigit(c) ? oneToNine : zero(c));
  const zero: State = (c) => {
    if (c === 0x2e) return dot;
    if (c === 0x65 || c === 0x45) return exponent;
    return endValueAfterScalar(c);
  };
  const dot: State = (c) => (isDigit(c) ? dotDigits : bad(c, "after decimal point in numeric literal"));
  const dotDigits: State = (c) => {
    if (isDigit(c)) return dotDigits;
    if (c === 0x65 || c === 0x45) return exponent;
    return endValueAfterScalar(c);
  };
  const exponent: State = (c) => (c === 0x2b || c === 0x2d ? exponentSign : exponentSign(c));
  const exponentSign: State = (c) => (isDigit(c) ? exponentDigits : bad(c, "in exponent of numeric literal"));
  const exponentDigits: State = (c) => (isDigit(c) ? exponentDigits : endValueAfterScalar(c));
  const literal = (word: string, at: number): State => (c) => {
    if (c !== word.charCodeAt(at)) {
      return bad(c, `in literal ${word} (expecting ${quoteChar(word.charCodeAt(at))})`);
    }
    return at + 1 === word.length ? endValueAfterScalar : literal(word, at + 1);
  };
  // A scalar at the top level completes the value; inside a container the container decides.
  const endValueAfterScalar: State = (c) => {
    if (stack.length === 0) {
      done = true;
      return endTop(c);
    }
    return endValue(c);
  };

  let state: State = beginValue;
  let sawValue = false;
  let end = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    const wasDone = done;
    if (!isSpace(c)) sawValue = true;
    const next = state(c);
    if (!wasDone && done) end = i; // this byte came after the first value
    // A Decoder stops after the first value: what follows is the next Decode's business.
    if (mode === "decoder" && done) return { end };
    if (typeof next === "string") return next;
    state = next;
  }
  if (done || state === endTop || state === finishTop) return { end };
  // A scalar (a number, say) at the very end is complete.
  const scalarEnds = [endValueAfterScalar, zero, oneToNine, dotDigits, exponentDigits];
  if (stack.length === 0 && scalarEnds.includes(state)) return { end };
  if (mode === "decoder") return sawValue ? "unexpected EOF" : "EOF";
  return "unexpected end of JSON input";
}
