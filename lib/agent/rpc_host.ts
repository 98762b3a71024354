/**
 * The seam between the agent and its RPC server: the agent implements the RPC
 * layer's {@linkcode RpcAgent}, and `serfts agent` starts the server through a
 * {@linkcode RpcServerFactory}, so the agent never loads the server itself.
 *
 * @module
 */
import type { Logger } from "../util/log.ts";
import type { Metrics } from "../util/metrics.ts";
import type { RpcAgent } from "../rpc/agent_api.ts";

/** A running RPC server, as the process hosting the agent sees it. */
export interface AgentRpcServer {
  /** Stops listening and ends every client session. */
  close(): Promise<void>;
  /** Clients connected now (the `serfts_rpc_clients` gauge). */
  readonly clientCount: number;
}

/**
 * Starts the RPC server for an agent: listens on `addr` (Serf's `rpc_addr`),
 * requires `authKey` when it is non-empty, logs with `logger` (`agent.ipc`).
 * `serfts agent` calls it after the agent started and before printing its banner.
 * @throws {Error} when it cannot listen; the agent then exits with `Error starting RPC listener: ...`
 */
export type RpcServerFactory = (
  host: RpcAgent,
  options: { addr: string; authKey: string; logger: Logger; metrics?: Metrics },
) => Promise<AgentRpcServer>;
