/**
 * Errors the RPC client raises for conditions callers handle.
 *
 * @module
 */

/** The agent answered with an error; `message` is the agent's text, unchanged (Serf's CLI prints it). */
export class RpcError extends Error {
  override name = "RpcError";
}

/** The connection is gone (closed by us or by the agent); Serf's client says "client closed". */
export class RpcClosedError extends Error {
  override name = "RpcClosedError";
  constructor(options?: ErrorOptions) {
    super("client closed", options);
  }
}
