/**
 * The commands scripts/browser/driver.ts understands, one JSON object a line,
 * and its answers. Selectors are Playwright selectors (CSS here).
 *
 * @module
 */

/** One command to the browser driver. */
export type BrowserCommand =
  | { op: "goto"; url: string }
  /** Waits until the `nth` (default 0) element matching `selector` (and containing `hasText`) is visible. */
  | { op: "wait"; selector: string; hasText?: string; nth?: number; timeoutMs: number }
  | { op: "count"; selector: string }
  | { op: "text"; selector: string }
  | { op: "fill"; selector: string; value: string }
  | { op: "click"; selector: string }
  /** Picks the `<option>` with `value` in a `<select>`. */
  | { op: "select"; selector: string; value: string }
  | { op: "hover"; selector: string }
  | { op: "screenshot"; path: string; fullPage?: boolean }
  /** The page's Performance API measures named `name`, in milliseconds. */
  | { op: "measures"; name: string }
  /** Page errors and console errors seen so far. */
  | { op: "problems" }
  | { op: "close" };

/** The driver's answer to command `id` (id 0 announces that the browser is up). */
export type BrowserReply = { id: number; ok: true; value: unknown } | {
  id: number;
  ok: false;
  error: string;
};
