/**
 * What the RPC server needs from the agent hosting it. The agent (lib/agent)
 * implements this; the server never reaches past it into Serf, so tests can
 * drive the server with a small fake and the agent stays free to decide how
 * each operation maps onto its Serf instance, event handlers and logs.
 *
 * Errors: a method that fails should throw (or reject) with the text an
 * operator should see; the server sends `err.message` as the response's
 * `Error`, which the CLI prints after e.g. "Error joining the cluster: ".
 *
 * @module
 */
import type { Coordinate } from "../coordinate/coordinate.ts";
import type { KeyOperation, KeyResponse } from "../serf/key_manager.ts";
import type { NodeResponse, QueryParam } from "../serf/query.ts";
import type { Member, SerfEvent } from "../serf/types.ts";

export type { Coordinate, KeyOperation, KeyResponse, Member, NodeResponse, QueryParam, SerfEvent };

/**
 * The asker's view of a running query, as Serf's `QueryResponse` provides it.
 * The server streams `acks` and `responses` to the client until both end or
 * `deadline` passes, then sends the final "done" record.
 */
export interface RpcQueryResponse {
  /** When collection stops, in the server clock's milliseconds (`Clock.now()`). */
  readonly deadline: number;
  /** Present when the query asked for acks. */
  readonly acks?: AsyncIterable<string>;
  readonly responses: AsyncIterable<NodeResponse>;
}

/** Outcome of a cluster-wide key operation, with the error text when some node failed. */
export interface RpcKeyResult {
  response: KeyResponse;
  /** E.g. "1/3 nodes reported failure"; absent when every node succeeded. */
  error?: string;
}

/**
 * The agent as the RPC server sees it. Every method may be called from several
 * client connections at once.
 */
export interface RpcAgent {
  /** Every member Serf knows, including left and failed ones (`serf members`). */
  members(): Member[];
  /** This node, with its current tags. */
  localMember(): Member;
  /**
   * Joins the cluster through `addrs` (`host:port`), returning how many nodes were
   * contacted. With `replay`, user events seen while joining are replayed to
   * handlers; without it they are ignored (Serf's `ignoreOld`).
   */
  join(addrs: string[], replay: boolean): Promise<number>;
  /**
   * Leaves the cluster gracefully. The server answers the client and then calls
   * {@linkcode RpcAgent.shutdown} without awaiting it.
   */
  leave(): Promise<void>;
  /**
   * Shuts the agent down after an RPC `leave`. May close the RPC server; the server
   * never awaits this from inside a connection, so closing it here cannot deadlock.
   */
  shutdown(): Promise<void>;
  /** Marks a failed node as left; with `prune`, removes it from the member list at once. */
  forceLeave(node: string, prune: boolean): Promise<void>;
  /** Sends a user event. Throws when it is too large. */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void | Promise<void>;
  /**
   * Starts a query. Like Serf's agent, refuse names starting with `_serf_` except
   * `_serf_ping` with an empty payload (used by `serf reachability`).
   */
  query(name: string, payload: Uint8Array, params: QueryParam): RpcQueryResponse | Promise<RpcQueryResponse>;
  /**
   * Replaces this node's tags with `tags` (the server has already merged the
   * request's additions and deletions into the current tags) and gossips them.
   * The agent persists them when it uses a tags file.
   */
  setTags(tags: Record<string, string>): Promise<void>;
  /** Runs a key operation on every member; `key` is base64 (ignored for list-keys). */
  keyOperation(op: KeyOperation, key: string): Promise<RpcKeyResult>;
  /**
   * Serf's `info` sections: `agent` (`name`), `runtime`, `serf` (Serf's stats map),
   * `tags`, `event_handlers` (`"<event>:<name>"` → script).
   */
  stats(): Record<string, Record<string, string>>;
  /** The cached network coordinate of `node` (ours for the local name), if any. */
  getCoordinate(node: string): Coordinate | undefined;
  /**
   * Delivers every Serf event (member, user and query events) to `handler` until
   * the returned function is called. The handler must not block: it only queues.
   * Query events must be the live ones, so that `respond` reaches the asker.
   */
  subscribeEvents(handler: (event: SerfEvent) => void): () => void;
  /**
   * Delivers agent log lines (`2006/01/02 15:04:05 [LEVEL] ...`, no newline) to
   * `handler` until the returned function is called. Deliver every level (the
   * server filters per client, so `serf monitor -log-level=debug` works on an
   * agent logging at INFO) and, like Serf, first replay the recent lines kept
   * in memory.
   */
  subscribeLogs(handler: (line: string) => void): () => void;
}

/**
 * Merges a `tags` request into the current tags the way Serf's agent does:
 * drop the deleted keys, then set the new values (a key both set and deleted is set).
 *
 * @example
 * ```ts
 * import { mergeTags } from "./agent_api.ts";
 * mergeTags({ role: "web", dc: "a" }, { dc: "b" }, ["role"]); // { dc: "b" }
 * ```
 */
export function mergeTags(
  current: Record<string, string>,
  set: Record<string, string>,
  deleteKeys: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(current)) if (!deleteKeys.includes(k)) out[k] = v;
  return { ...out, ...set };
}
