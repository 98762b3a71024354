/**
 * The seam between the agent and its RPC server. The RPC layer sits below
 * the agent in the dependency order (it must not import the agent), so it
 * declares the same shape on its side and receives the Agent, which satisfies
 * {@linkcode AgentRpcHost} structurally; `serfts agent` starts the server
 * through a {@linkcode RpcServerFactory}.
 *
 * @module
 */
import type { Logger } from "../util/log.ts";
import type { KeyResponse } from "../serf/key_manager.ts";
import type { QueryParam, QueryResponse } from "../serf/query_response.ts";
import type { Coordinate, Member, SerfEvent } from "../serf/types.ts";

/** Outcome of a cluster key operation: per-node results and, when some node failed, a summary error. */
export interface KeyOperationResult {
  response: KeyResponse;
  error?: string;
}

/** Subscriber to the agent's events; called synchronously, in order, and must not block. */
export type EventSubscriber = (event: SerfEvent) => void;

/**
 * What the RPC server calls on the agent, one method per RPC command family:
 * `members`/`members-filtered` → members, `join`, `leave`, `force-leave`,
 * `event` → userEvent, `query`, `tags` → setTags, `install-key`/`use-key`/
 * `remove-key`/`list-keys`, `stats`, `get-coordinate`, `monitor` →
 * subscribeLogs, `stream` → subscribeEvents. Errors thrown carry Serf's text.
 */
export interface AgentRpcHost {
  members(): Member[];
  join(addresses: string[], replay: boolean): Promise<number>;
  leave(): Promise<void>;
  forceLeave(node: string, prune: boolean): Promise<void>;
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void;
  query(name: string, payload: Uint8Array, params: QueryParam): QueryResponse;
  setTags(tags: Record<string, string>, deleteKeys: string[]): Promise<void>;
  installKey(key: string): Promise<KeyOperationResult>;
  useKey(key: string): Promise<KeyOperationResult>;
  removeKey(key: string): Promise<KeyOperationResult>;
  listKeys(): Promise<KeyOperationResult>;
  stats(): Record<string, Record<string, string>>;
  getCoordinate(node: string): Coordinate | undefined;
  subscribeLogs(level: string, fn: (line: string) => void): () => void;
  subscribeEvents(fn: EventSubscriber): () => void;
  shutdown(): Promise<void>;
}

/** A running RPC server, as the process hosting the agent sees it. */
export interface AgentRpcServer {
  /** Stops listening and ends every client session. */
  close(): Promise<void>;
}

/**
 * Starts the RPC server for an agent: listens on `addr` (Serf's `rpc_addr`),
 * requires `authKey` when it is non-empty, logs with `logger` (`agent.ipc`).
 * `serfts agent` calls it after the agent started and before printing its banner.
 * @throws {Error} when it cannot listen; the agent then exits with `Error starting RPC listener: ...`
 */
export type RpcServerFactory = (
  host: AgentRpcHost,
  options: { addr: string; authKey: string; logger: Logger },
) => Promise<AgentRpcServer>;
