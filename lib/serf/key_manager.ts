/**
 * Cluster-wide key rotation through internal queries: every member installs,
 * switches to, or removes a key and reports back; the caller gets per-node
 * results, as `serf keys` shows them.
 *
 * @module
 */
import { decodeKeyBase64 } from "../memberlist/keyring.ts";
import { decodeKeyResponse, encodeKeyRequest } from "./messages.ts";
import type { QueryParam, QueryResponse } from "./query_response.ts";

/**
 * Per-cluster outcome of a key operation.
 *
 * @example Listing the keys of a one-node cluster
 * ```ts
 * import assert from "node:assert/strict";
 * import { Keyring, MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 * import type { KeyResponse } from "./key_manager.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const key = new Uint8Array(16).fill(1);
 * const keyring = new Keyring([key], key);
 * const memberlist = { bindAddr: "127.0.0.1", transport, clock, keyring };
 * const serf = await Serf.create({ nodeName: "a", memberlist });
 * const listing = serf.keyOperation("list-keys");
 * await clock.advance(1_000);
 * const { response, error }: { response: KeyResponse; error?: string } = await listing;
 * assert.equal(error, undefined);
 * assert.deepEqual([response.numNodes, response.numResp, response.numErr], [1, 1, 0]);
 * assert.deepEqual(response.primaryKeys, { "AQEBAQEBAQEBAQEBAQEBAQ==": 1 });
 * await serf.shutdown();
 * ```
 */
export interface KeyResponse {
  /** Error or warning text by node name. */
  messages: Record<string, string>;
  /** Members when the query started. */
  numNodes: number;
  /** Nodes that answered. */
  numResp: number;
  /** Nodes that answered with an error. */
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

/**
 * The cluster-wide key operations of `serf keys`: install a key on every
 * member, make it the primary (`use-key`), remove it, or list what each member
 * holds. Run one with `Serf.keyOperation`, passing the key in base64
 * (16, 24 or 32 bytes) for all but `list-keys`.
 *
 * @example Installing a second key across the cluster
 * ```ts
 * import assert from "node:assert/strict";
 * import { Keyring, MemoryNetwork, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 * import type { KeyOperation } from "./key_manager.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const key = new Uint8Array(16).fill(1);
 * const keyring = new Keyring([key], key);
 * const memberlist = { bindAddr: "127.0.0.1", transport, clock, keyring };
 * const serf = await Serf.create({ nodeName: "a", memberlist });
 * const op: KeyOperation = "install-key";
 * const installing = serf.keyOperation(op, "AgICAgICAgICAgICAgICAg==");
 * await clock.advance(1_000);
 * assert.equal((await installing).error, undefined);
 * assert.equal(keyring.getKeys().length, 2);
 * await serf.shutdown();
 * ```
 */
export type KeyOperation = "install-key" | "use-key" | "remove-key" | "list-keys";

/**
 * Runs one key operation across the cluster.
 * @returns the per-node results and, when any node failed or did not answer, an error message
 * @throws {SyntaxError} `illegal base64 data at input byte N` (Go's text) when `key` is not base64
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
  // Only the base64 is checked here: as in Serf, each member refuses a key of the wrong size itself.
  const raw = op === "list-keys" ? new Uint8Array() : decodeKeyBase64(key);
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
