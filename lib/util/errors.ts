/**
 * Domain error classes: only for conditions a caller is expected to catch.
 * Bad input uses the built-in `TypeError` / `RangeError`.
 *
 * @module
 */

/** A packet or stream that could not be decoded; the engine drops it and counts it. */
export class DecodeError extends Error {
  override name = "DecodeError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Decryption failed with every key in the keyring, or the payload was not encrypted when it must be. */
export class SecurityError extends Error {
  override name = "SecurityError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Operation attempted on a node that has shut down. */
export class ShutdownError extends Error {
  override name = "ShutdownError";
  constructor(message = "Cannot complete operation: node is shut down", options?: ErrorOptions) {
    super(message, options);
  }
}

/** An operation that exceeded its deadline (join, push/pull, stream read). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Returns an error's message, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
