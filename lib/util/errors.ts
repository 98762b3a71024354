/**
 * Domain error classes: only for conditions a caller is expected to catch.
 * Bad input uses the built-in `TypeError` / `RangeError`.
 *
 * @module
 */

/**
 * A packet or stream that could not be decoded; the engine drops it and counts it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DecodeError } from "./errors.ts";
 *
 * try {
 *   throw new DecodeError("Cannot decode msgpack: input truncated after 3 bytes");
 * } catch (err) {
 *   assert.ok(err instanceof DecodeError);
 *   assert.equal(err.name, "DecodeError");
 *   assert.match(err.message, /truncated/);
 * }
 * ```
 */
export class DecodeError extends Error {
  /** Always `"DecodeError"`, so logs and `String(err)` name the class. */
  override name = "DecodeError";
  /**
   * Reports a decode failure.
   * @param message what failed, in sentence case with the detail after a colon
   * @param options `cause`: the underlying error, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Decryption failed with every key in the keyring, or the payload was not encrypted when it must be.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SecurityError } from "./errors.ts";
 *
 * const cause = new Error("tag mismatch");
 * try {
 *   throw new SecurityError("No installed keys could decrypt the message", { cause });
 * } catch (err) {
 *   assert.ok(err instanceof SecurityError);
 *   assert.equal(err.name, "SecurityError");
 *   assert.equal(err.cause, cause);
 * }
 * ```
 */
export class SecurityError extends Error {
  /** Always `"SecurityError"`, so logs and `String(err)` name the class. */
  override name = "SecurityError";
  /**
   * Reports a security failure.
   * @param message what failed, in sentence case with the detail after a colon
   * @param options `cause`: the underlying error, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Operation attempted on a node that has shut down.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLocalConfig, Memberlist, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 * import { ShutdownError } from "./errors.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const config = { ...defaultLocalConfig(), name: "a", bindAddr: "127.0.0.1", transport, clock };
 * const node = Memberlist.create(config);
 * await node.shutdown();
 * await assert.rejects(node.join(["127.0.0.1:7947"]), ShutdownError);
 * ```
 */
export class ShutdownError extends Error {
  /** Always `"ShutdownError"`, so logs and `String(err)` name the class. */
  override name = "ShutdownError";
  /**
   * Reports an operation refused because the node has shut down.
   * @param message what was refused; a generic sentence by default
   * @param options `cause`: the underlying error, if any
   */
  constructor(message = "Cannot complete operation: node is shut down", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * An operation that exceeded its deadline (join, push/pull, stream read).
 *
 * @example A dial across a network partition times out
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, TimeoutError, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const a = network.listen({ host: "10.0.0.1", port: 7946 });
 * const b = network.listen({ host: "10.0.0.2", port: 7946 });
 * network.partition([a.localAddress], [b.localAddress]);
 * const outcome = a.dial(b.localAddress, 500).catch((err: unknown) => err);
 * await clock.advance(500);
 * assert.ok(await outcome instanceof TimeoutError);
 * ```
 */
export class TimeoutError extends Error {
  /** Always `"TimeoutError"`, so logs and `String(err)` name the class. */
  override name = "TimeoutError";
  /**
   * Reports a timeout.
   * @param message what failed, in sentence case with the detail after a colon
   * @param options `cause`: the underlying error, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Returns an error's message, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * True for the built-in errors that mean a bug in our code rather than bad
 * input (`TypeError`, `RangeError`, `ReferenceError`): receive paths still drop
 * what caused one, but log it as an error so tests and fuzzing can see it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DecodeError, isProgrammingError } from "./errors.ts";
 *
 * assert.equal(isProgrammingError(new TypeError("x is undefined")), true);
 * assert.equal(isProgrammingError(new DecodeError("Cannot decode msgpack: truncated")), false);
 * ```
 */
export function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
}

/**
 * An error's message for a log line, marked `Bug: <name>:` when it is a
 * {@linkcode isProgrammingError}, so a crash hidden behind "dropped bad input" stands out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureText } from "./errors.ts";
 *
 * assert.equal(failureText(new Error("bad length")), "bad length");
 * assert.equal(failureText(new RangeError("offset out of range")), "Bug: RangeError: offset out of range");
 * ```
 */
export function failureText(err: unknown): string {
  return isProgrammingError(err)
    ? `Bug: ${(err as Error).name}: ${(err as Error).message}`
    : errorMessage(err);
}
