/**
 * `serfts agent`'s HTTP API and dashboard (`http_addr`, `http_auth`): started
 * after the RPC listener when `http_addr` is set, closed when the agent stops.
 * The module is loaded only then, so agents without it never load `node:http`.
 *
 * The `/metrics` text and the dashboard files plug in here (the
 * `metricsText` and `assets` options of `startHttpServer`); the dashboard's
 * files come from the generated lib/http/dashboard_assets.ts.
 *
 * @module
 */
import type { Agent } from "../agent/agent.ts";
import type { AgentConfig } from "../agent/config.ts";

/** The running HTTP API, as the agent command sees it. */
export interface AgentHttp {
  /** `ip:port` actually bound (the real port when 0 was asked for). */
  readonly addr: string;
  close(): Promise<void>;
}

/** What the agent command plugs into the HTTP API besides the agent. */
export interface AgentHttpExtras {
  /** The `/metrics` text (`prometheusMetricsText`); `/metrics` answers 404 without it. @default undefined */
  metricsText?: () => string;
}

/**
 * Starts the HTTP API on `config.httpAddr` and logs where it is.
 * @throws {Error} Go's listen wording, e.g. `listen tcp 127.0.0.1:7380: bind: address already in use`
 */
export async function startAgentHttp(
  agent: Agent,
  config: AgentConfig,
  extras: AgentHttpExtras = {},
): Promise<AgentHttp> {
  const { startHttpServer } = await import("../http/server.ts");
  const { DASHBOARD_ASSETS } = await import("../http/dashboard_assets.ts");
  const logger = agent.logger.child("agent.http");
  const server = await startHttpServer(agent, {
    addr: config.httpAddr,
    authToken: config.httpAuth,
    logger,
    assets: DASHBOARD_ASSETS,
    ...(extras.metricsText ? { metricsText: extras.metricsText } : {}),
  });
  const host = server.address.host.includes(":") ? `[${server.address.host}]` : server.address.host;
  const addr = `${host}:${server.address.port}`;
  logger.info(`serfts: HTTP API and dashboard at http://${addr}/`);
  return { addr, close: () => server.close() };
}
