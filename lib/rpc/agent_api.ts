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
import type { NodeResponse, QueryParam } from "../serf/query_response.ts";
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
export interface AgentKeyResult {
  response: KeyResponse;
  /** E.g. "1/3 nodes reported failure"; absent when every node succeeded. */
  error?: string;
}

/** Subscriber to the agent's events; called synchronously, in order, and must not block. */
export type EventSubscriber = (event: SerfEvent) => void;

/**
 * The agent as the RPC server sees it, one method per RPC command family
 * (`members`/`members-filtered` → members, `event` → userEvent, `tags` →
 * setTags, `monitor` → subscribeLogs, `stream` → subscribeEvents, ...). The
 * RPC layer sits below the agent and must not import it: lib/agent's `Agent`
 * implements this interface. Every method may be called from several client
 * connections at once; errors thrown carry Serf's text.
 */
export interface RpcAgent {
  /** Every member Serf knows, including left and failed ones (`serf members`). */
  members(): Member[];
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
   * Applies a `tags` request: drop `deleteKeys` from the current tags, then set
   * `tags` (Serf's order: a key both deleted and set ends up set), gossip the
   * result, and persist it when the agent uses a tags file.
   */
  setTags(tags: Record<string, string>, deleteKeys: string[]): Promise<void>;
  /** Installs a base64 key on every member's keyring. */
  installKey(key: string): Promise<AgentKeyResult>;
  /** Makes a base64 key the primary on every member. */
  useKey(key: string): Promise<AgentKeyResult>;
  /** Removes a base64 key from every member. */
  removeKey(key: string): Promise<AgentKeyResult>;
  /** Asks every member for its keys. */
  listKeys(): Promise<AgentKeyResult>;
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
  subscribeEvents(handler: EventSubscriber): () => void;
  /**
   * Delivers agent log lines (`2006/01/02 15:04:05 [LEVEL] ...`, no newline) at
   * `level` ("TRACE", "DEBUG", "INFO", "WARN" or "ERR", already validated) or
   * above to `handler` until the returned function is called. Lines below the
   * agent's own `-log-level` must be delivered too (that is the point of
   * `serf monitor -log-level=debug`), and, like Serf, the recent lines kept in
   * memory are replayed first.
   */
  subscribeLogs(level: string, handler: (line: string) => void): () => void;
}
