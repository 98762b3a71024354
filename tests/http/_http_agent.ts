/**
 * In-process agents with the HTTP API on loopback, for the tests in this
 * directory: a real Agent (real sockets, real Serf) served by
 * startHttpServer, and fetch helpers that read the whole answer.
 */
import { Agent } from "../../lib/agent/agent.ts";
import { defaultAgentConfig } from "../../lib/agent/config.ts";
import { type HttpServer, type StartHttpOptions, startHttpServer } from "../../lib/http/server.ts";
import { testPlatform, waitUntil } from "../agent/_records.ts";

export { waitUntil };

/** One agent and its HTTP API. */
export interface HttpAgent {
  agent: Agent;
  http: HttpServer;
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** The agent's gossip address, for joining. */
  gossip: string;
  close(): Promise<void>;
}

/** Starts an agent named `name` (profile `local`, so failures are seen fast) and its HTTP API on port 0. */
export async function startHttpAgent(
  name: string,
  http: Partial<StartHttpOptions> = {},
  tags: Record<string, string> = {},
): Promise<HttpAgent> {
  const agent = await Agent.create({
    config: { ...defaultAgentConfig(), nodeName: name, bindAddr: "127.0.0.1:0", profile: "local", tags },
    platform: testPlatform(),
  });
  await agent.start();
  let server: HttpServer;
  try {
    server = await startHttpServer(agent, { addr: "127.0.0.1:0", logger: agent.logger, ...http });
  } catch (err) {
    await agent.shutdown();
    throw err;
  }
  const port = agent.serf.memberlist.advertiseAddress.port;
  return {
    agent,
    http: server,
    base: `http://127.0.0.1:${server.address.port}`,
    gossip: `127.0.0.1:${port}`,
    async close() {
      await server.close();
      await agent.shutdown();
    },
  };
}

/** A finished request: status, headers and the body as text. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (throws when it is not). */
  json(): unknown;
}

/**
 * A fetch client that keeps no idle connections. Tests start and stop servers
 * on ephemeral ports one after another; a pooled keep-alive connection to a
 * closed server whose port a new server has taken makes a POST fail at once
 * ("connection closed before message completed"), since fetch retries only
 * idempotent requests. One connection per request removes that race.
 */
const freshConnections = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });

/** Fetches `url` and reads the whole body. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, {
    ...init,
    signal: init.signal ?? AbortSignal.timeout(15_000),
    client: freshConnections,
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/**
 * Reads a streamed body line by line until `done(lines)` is true or `maxMs`
 * passes, then cancels the stream. @returns the lines read
 */
export async function readLines(
  res: Response,
  done: (lines: string[]) => boolean,
  maxMs: number,
): Promise<string[]> {
  const lines: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), maxMs);
  try {
    while (!done(lines)) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return lines;
}
