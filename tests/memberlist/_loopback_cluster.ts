/**
 * A 3-node memberlist cluster on real loopback sockets, runnable under Deno
 * (from a test) and under Bun (as a script). Returns what it observed so the
 * caller can assert; cleans up every node whatever happens.
 */
import { defaultLocalConfig } from "../../lib/memberlist/config.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import { Memberlist } from "../../lib/memberlist/memberlist.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { listenTransport } from "../../lib/transport/detect.ts";
import { Logger } from "../../lib/util/log.ts";

export interface LoopbackResult {
  converged: boolean;
  sawLeft: boolean;
  sawDead: boolean;
  logs: string[];
  /**
   * When convergence timed out, the log of the join phase and each node's
   * view at the time (empty when it converged): callers print these last, so
   * a failure's truncated CI output keeps them.
   */
  views: string[];
}

async function waitFor(pred: () => boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return pred();
}

/** Starts 3 nodes on 127.0.0.1 (free ports), joins, leaves one, kills one. */
export async function runLoopbackCluster(encrypted: boolean): Promise<LoopbackResult> {
  const logs: string[] = [];
  const key = new Uint8Array(32).fill(3);
  const nodes: Memberlist[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const logger = new Logger({ sink: (l) => logs.push(`n${i} ${l}`), level: "DEBUG" });
      const transport = await listenTransport({ host: "127.0.0.1", port: 0, logger });
      nodes.push(Memberlist.create({
        ...defaultLocalConfig(),
        name: `loop-${i}`,
        bindAddr: "127.0.0.1",
        bindPort: transport.localAddress.port,
        // Leave the TCP fallback room inside the probe interval, as the real profiles do.
        probeIntervalMs: 500,
        probeTimeoutMs: 200,
        gossipIntervalMs: 50,
        keyring: encrypted ? new Keyring([key], key) : undefined,
        transport,
        logger,
      }));
    }
    const seed = `127.0.0.1:${nodes[0]!.advertiseAddress.port}`;
    await nodes[1]!.join([seed]);
    await nodes[2]!.join([seed]);
    const startedMs = Date.now();
    // The three nodes share one event loop: a stalled loop fails every probe at once.
    let lastTick = startedMs, worstStallMs = 0;
    const stallMeter = setInterval(() => {
      const now = Date.now();
      worstStallMs = Math.max(worstStallMs, now - lastTick - 20);
      lastTick = now;
    }, 20);
    const converged = await waitFor(() => nodes.every((n) => n.numMembers() === 3), 20_000);
    clearInterval(stallMeter);
    const views: string[] = [];
    if (!converged) {
      const waitedMs = Date.now() - startedMs;
      views.push(
        ...logs,
        `not converged ${waitedMs} ms after the joins returned; worst event-loop stall ${worstStallMs} ms`,
      );
      for (const n of nodes) {
        views.push(
          `${n.name} at ${n.advertiseAddress.port}: ${JSON.stringify(n.stats)} sees ${
            n.allNodes().map((x) => `${x.name}@${x.port}=${x.state}`).join(",")
          }`,
        );
      }
    }

    await nodes[1]!.leave(2_000);
    const sawLeft = await waitFor(
      () => nodes[0]!.allNodes().find((n) => n.name === "loop-1")?.state === NodeState.left,
      5_000,
    );
    // A crash: the transport goes away without a leave.
    await nodes[2]!.shutdown();
    const sawDead = await waitFor(
      () => nodes[0]!.allNodes().find((n) => n.name === "loop-2")?.state === NodeState.dead,
      15_000,
    );
    return { converged, sawLeft, sawDead, logs, views };
  } finally {
    await Promise.all(nodes.map((n) => n.shutdown()));
  }
}
