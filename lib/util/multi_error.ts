/**
 * Several failures reported as one error, worded as hashicorp/go-multierror's
 * default list format. Serf's join reports every address it could not reach
 * this way, and RPC clients compare the text, so the layout (count line, tab
 * and `* ` bullets, two trailing newlines) is kept exactly.
 *
 * @module
 */

/**
 * go-multierror's list text for `messages`:
 * `1 error occurred:\n\t* a\n\n`, or `2 errors occurred:\n\t* a\n\t* b\n\n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMultiError } from "./multi_error.ts";
 *
 * assert.equal(formatMultiError(["boom"]), "1 error occurred:\n\t* boom\n\n");
 * assert.equal(formatMultiError(["a", "b"]), "2 errors occurred:\n\t* a\n\t* b\n\n");
 * ```
 */
export function formatMultiError(messages: readonly string[]): string {
  const head = messages.length === 1 ? "1 error occurred:" : `${messages.length} errors occurred:`;
  return `${head}\n\t${messages.map((m) => `* ${m}`).join("\n\t")}\n\n`;
}

/**
 * An error made of several independent failures (one per join address, say);
 * `message` is {@linkcode formatMultiError}'s text and `errors` the parts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultiError } from "./multi_error.ts";
 *
 * const err = new MultiError(["Failed to join 10.0.0.1: dial tcp 10.0.0.1:7946: i/o timeout"]);
 * assert.equal(err.errors.length, 1);
 * assert.match(err.message, /^1 error occurred:\n\t\* Failed to join/);
 * ```
 */
export class MultiError extends Error {
  /** Always `"MultiError"`, so logs and `String(err)` name the class. */
  override name = "MultiError";
  /** Each failure's text, in the order they happened. */
  readonly errors: readonly string[];
  /**
   * @param errors each failure's text; at least one
   * @param options `cause`: the last underlying error, if any
   */
  constructor(errors: readonly string[], options?: ErrorOptions) {
    super(formatMultiError(errors), options);
    this.errors = [...errors];
  }
}
