/**
 * Cluster-wide key rotation through internal queries: every member installs,
 * switches to, or removes a key and reports back; the caller gets per-node
 * results, as `serf keys` shows them.
 *
 * @module
 */
import { parseKeyBase64 } from "../memberlist/keyring.ts";
import { decodeKeyResponse, encodeKeyRequest } from "./messages.ts";
import type { QueryParam, QueryResponse } from "./query_response.ts";

/** Per-cluster outcome of a key operation. */
export interface KeyResponse {
  /** Error or warning text by node name. */
  messages: Record<string, string>;
  /** Members when the query started. */
  numNodes: number;
  numResp: number;
  numErr: number;
  /** For list: how many nodes hold each key. */
  keys: Record<string, number>;
  /** For list: how many nodes use each key as primary. */
  primaryKeys: Record<string, number>;
}

/** What the key manager needs from Serf. */
export interface KeyQueryRunner {
  query(name: string, payload: Uint8Array, params: QueryParam): QueryResponse;
  numMembers(): number;
}

export type KeyOperation = "install-key" | "use-key" | "remove-key" | "list-keys";

/**
 * Runs one key operation across the cluster.
 * @returns the per-node results and, when any node failed or did not answer, an error message
 * @throws {SyntaxError | RangeError} when `key` is not a valid base64 key
 */
export async function runKeyOperation(
  runner: KeyQueryRunner,
  op: KeyOperation,
  key: string,
  relayFactor = 0,
): Promise<{ response: KeyResponse; error?: string }> {
  const response: KeyResponse = {
    messages: {},
    numNodes: 0,
    numResp: 0,
    numErr: 0,
    keys: {},
    primaryKeys: {},
  };
  const raw = op === "list-keys" ? new Uint8Array() : parseKeyBase64(key);
  const query = runner.query(`_serf_${op}`, encodeKeyRequest({ key: raw }), { relayFactor });
  response.numNodes = runner.numMembers();
  for await (const r of query.responses) {
    response.numResp++;
    try {
      const node = decodeKeyResponse(r.payload);
      if (!node.result) {
        response.messages[r.from] = node.message;
        response.numErr++;
      } else if (node.message) {
        response.messages[r.from] = node.message;
      }
      for (const k of node.keys) response.keys[k] = (response.keys[k] ?? 0) + 1;
      response.primaryKeys[node.primaryKey] = (response.primaryKeys[node.primaryKey] ?? 0) + 1;
    } catch (err) {
      response.messages[r.from] = `Failed to decode key query response: ${
        err instanceof Error ? err.message : err
      }`;
      response.numErr++;
    }
    if (response.numResp === response.numNodes) {
      query.close();
      break;
    }
  }
  if (response.numErr !== 0) {
    return { response, error: `${response.numErr}/${response.numNodes} nodes reported failure` };
  }
  if (response.numResp !== response.numNodes) {
    return { response, error: `${response.numResp}/${response.numNodes} nodes reported success` };
  }
  return { response };
}
