/**
 * The bounds memberlist 0.6 puts on what a peer may make us buffer or build
 * (HCSEC-2026-18 and its follow-ups): a push/pull header, user state or user
 * message cannot claim more than these, and a compressed message cannot
 * expand past them. A hostile or broken peer gets a refusal that names the
 * value it sent; the stream is dropped and counted, the node keeps running.
 *
 * @module
 */
import { DecodeError } from "../util/errors.ts";
import type { PushPullHeader, UserMsgHeader } from "./messages.ts";

/** Largest encrypted stream, and largest user state in a push/pull, as memberlist limits them. */
export const MAX_PUSH_STATE_BYTES = 20 * 1024 * 1024;

/** Most node states a push/pull header may announce; each takes at least ~20 bytes encoded. */
export const MAX_PUSH_STATE_NODES = 1024 * 1024;

/** Largest user message read off a stream. */
export const MAX_USER_MSG_BYTES = 20 * 1024 * 1024;

/** Largest output of one LZW-compressed message: user state plus an equal budget for the nodes. */
export const MAX_DECOMPRESSED_BYTES = 2 * MAX_PUSH_STATE_BYTES;

/**
 * Remote state this large is logged as a warning, so an operator hears about a
 * cluster growing towards {@linkcode MAX_PUSH_STATE_BYTES} before push/pulls start failing.
 */
export const PUSH_STATE_WARN_BYTES = Math.floor(0.6 * MAX_PUSH_STATE_BYTES);

/**
 * Refuses a push/pull header whose counts exceed the limits, before anything is allocated or read.
 * @throws {DecodeError} naming the offending value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPushPullHeader, MAX_PUSH_STATE_NODES } from "./limits.ts";
 *
 * checkPushPullHeader({ nodes: MAX_PUSH_STATE_NODES, userStateLen: 0, join: false });
 * assert.throws(
 *   () => checkPushPullHeader({ nodes: MAX_PUSH_STATE_NODES + 1, userStateLen: 0, join: false }),
 *   /Number of nodes in header \(1048577\) exceeds limit/,
 * );
 * ```
 */
export function checkPushPullHeader(header: PushPullHeader): void {
  if (header.nodes < 0 || header.nodes > MAX_PUSH_STATE_NODES) {
    throw new DecodeError(`Number of nodes in header (${header.nodes}) exceeds limit`);
  }
  if (header.userStateLen < 0 || header.userStateLen > MAX_PUSH_STATE_BYTES) {
    throw new DecodeError(`User state length (${header.userStateLen}) exceeds limit`);
  }
}

/**
 * Refuses a user-message header whose length exceeds {@linkcode MAX_USER_MSG_BYTES}.
 * @throws {DecodeError} naming the offending value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUserMsgHeader, MAX_USER_MSG_BYTES } from "./limits.ts";
 *
 * checkUserMsgHeader({ userMsgLen: MAX_USER_MSG_BYTES });
 * assert.throws(() => checkUserMsgHeader({ userMsgLen: MAX_USER_MSG_BYTES + 1 }), /exceeds limit/);
 * ```
 */
export function checkUserMsgHeader(header: UserMsgHeader): void {
  if (header.userMsgLen < 0 || header.userMsgLen > MAX_USER_MSG_BYTES) {
    throw new DecodeError(`User message length (${header.userMsgLen}) exceeds limit`);
  }
}
