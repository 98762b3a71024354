/**
 * Node-name validation, Serf 0.9.5+'s `ValidateNodeNames`: Serf 0.10 parses
 * the setting but never applies it; serfts does, with Serf's texts. Off by
 * default, as in Serf, so existing clusters with odd names keep working.
 *
 * @module
 */
import { META_MAX_SIZE } from "../memberlist/config.ts";
import type { Node } from "../memberlist/node.ts";

/** Longest node name accepted, in bytes. */
export const MAX_NODE_NAME_LENGTH = 128;

const INVALID_NAME = /[^A-Za-z0-9\-.]+/;

/**
 * Why `name` is not a valid node name, in Serf's words; undefined when it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeNameError } from "./node_name.ts";
 * assert.equal(nodeNameError("web-1.dc1"), undefined);
 * assert.equal(
 *   nodeNameError("web 1"),
 *   "Node name contains invalid characters web 1 , Valid characters include all alpha-numerics and dashes and '.' ",
 * );
 * ```
 */
export function nodeNameError(name: string): string | undefined {
  if (INVALID_NAME.test(name)) {
    return `Node name contains invalid characters ${name} , Valid characters include all alpha-numerics and dashes and '.' `;
  }
  const length = new TextEncoder().encode(name).length;
  if (length > MAX_NODE_NAME_LENGTH || length === 0) {
    return `Node name is ${length} characters. Valid length is between 1 and ${MAX_NODE_NAME_LENGTH} characters`;
  }
  return undefined;
}

/**
 * Why a remote member must not be merged: a bad name, an address that is not
 * IPv4 or IPv6, or tags larger than memberlist's metadata limit.
 */
export function remoteMemberError(n: Pick<Node, "name" | "addr" | "meta">): string | undefined {
  const nameError = nodeNameError(n.name);
  if (nameError) return nameError;
  if (n.addr.length !== 4 && n.addr.length !== 16) {
    return `IP byte length is invalid: ${n.addr.length} bytes is not either 4 or 16`;
  }
  if (n.meta.length > META_MAX_SIZE) return `Encoded length of tags exceeds limit of ${META_MAX_SIZE} bytes`;
  return undefined;
}
