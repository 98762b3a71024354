/**
 * `/metrics` of agents at work: three in-process agents on loopback, each with
 * the telemetry `serfts agent` builds (`startAgentMetrics` with the Prometheus
 * sink) and the exporter the HTTP server calls. Every scrape is read with
 * Prometheus' own parser; counters are checked to move with the cluster's
 * work (joins, a user event, a query, RPC clients, a junk datagram, a killed agent) and never
 * to go back.
 */
import assert from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { type AgentMetrics, startAgentMetrics } from "../../lib/agent/agent_metrics.ts";
import { type AgentConfig, defaultAgentConfig } from "../../lib/agent/config.ts";
import { prometheusMetricsText } from "../../lib/agent/prometheus_exporter.ts";
import { readMemoryFigures } from "../../lib/platform/node_memory.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import { type RpcServer, startRpcServer } from "../../lib/rpc/server.ts";
import { RealClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import { type ParsedFamily, parseMetrics, parserUnavailable, valueOf } from "./_prometheus.ts";
import { testPlatform, waitUntil } from "./_records.ts";

const skip = await parserUnavailable();
if (skip) console.warn(`SKIPPED Prometheus cluster test: ${skip}`);

/** Every family `/metrics` must carry (issue 14), present from the first scrape. */
const REQUIRED_FAMILIES = [
  "serfts_members",
  "serfts_health_score",
  "serfts_probe_duration_seconds",
  "serfts_push_pull_duration_seconds",
  "serfts_suspicions_total",
  "serfts_malformed_messages_total",
  "serfts_dropped_messages_total",
  "serfts_broadcast_queue_messages",
  "serfts_user_events_sent_total",
  "serfts_user_events_received_total",
  "serfts_queries_sent_total",
  "serfts_queries_received_total",
  "serfts_coordinate_resets_total",
  "serfts_coordinate_adjustment_seconds",
  "serfts_gossip_sent_bytes_total",
  "serfts_gossip_received_bytes_total",
  "serfts_rpc_clients",
  "serfts_rpc_connections_total",
];

interface Node {
  agent: Agent;
  telemetry: AgentMetrics;
  rpc?: RpcServer;
  scrape(): Promise<Map<string, ParsedFamily>>;
}

async function startNode(name: string): Promise<Node> {
  const telemetry = startAgentMetrics({ statsiteAddr: "", statsdAddr: "" }, {
    clock: new RealClock(),
    logger: new Logger({ level: "ERR", sink: () => {} }),
    hostName: "test-host",
    openUdp: () => Promise.reject(new Error("no statsd in this test")),
    dial: () => Promise.reject(new Error("no statsite in this test")),
    readMemory: readMemoryFigures,
    prometheus: true,
  });
  const config: AgentConfig = {
    ...defaultAgentConfig(),
    nodeName: name,
    bindAddr: "127.0.0.1:0",
    profile: "local",
  };
  const agent = await Agent.create({ config, platform: testPlatform(), metrics: telemetry.metrics });
  await agent.start();
  const node: Node = {
    agent,
    telemetry,
    scrape: () => parseMetrics(metricsText()),
  };
  const metricsText = prometheusMetricsText(telemetry.prometheus!, {
    serf: () => agent.serf,
    rpcClients: () => node.rpc?.clientCount ?? 0,
  });
  return node;
}

function gossipAddr(agent: Agent): string {
  const m = agent.serf.localMember();
  return `${m.addr}:${m.port}`;
}

/** Scrapes `node` until `pred` holds on the parsed families; fails with the last scrape. */
async function scrapeUntil(
  node: Node,
  what: string,
  pred: (f: Map<string, ParsedFamily>) => boolean,
  maxMs = 20_000,
): Promise<Map<string, ParsedFamily>> {
  let last = new Map<string, ParsedFamily>();
  const ok = await waitUntil(async () => pred(last = await node.scrape()), maxMs);
  assert.ok(
    ok,
    `timed out after ${maxMs} ms waiting for ${what}; last scrape: ${JSON.stringify([...last.values()])}`,
  );
  return last;
}

/** Every counter and histogram series, as `name{labels}` to value (histograms: count and sum). */
function monotonicSeries(families: Map<string, ParsedFamily>): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families.values()) {
    for (const s of f.series) {
      const key = `${f.name}${JSON.stringify(s.labels)}`;
      if (f.type === "COUNTER") out.set(key, Number(s.value));
      if (f.type === "HISTOGRAM") {
        out.set(`${key}_count`, Number(s.count));
        out.set(`${key}_sum`, Number(s.sum));
      }
    }
  }
  return out;
}

Deno.test({
  name:
    "/metrics: families parse and counters move as a three-agent cluster joins, talks, gets junk and loses an agent",
  ignore: !!skip,
  async fn() {
    const nodes: Node[] = [];
    let client: RpcClient | undefined;
    try {
      for (const name of ["a", "b", "c"]) nodes.push(await startNode(name));
      const [a, b, c] = nodes as [Node, Node, Node];
      a.rpc = await startRpcServer(a.agent, {
        addr: "127.0.0.1:0",
        authKey: "",
        logger: a.agent.logger,
        metrics: a.agent.metrics,
      });

      const first = await a.scrape();
      for (const name of REQUIRED_FAMILIES) assert.ok(first.has(name), `the first scrape has ${name}`);
      assert.equal(valueOf(first, "serfts_members", { status: "alive" }), 1);
      assert.equal(valueOf(first, "serfts_health_score"), 0);

      // Joins: push/pulls over TCP, then probes and gossip over UDP.
      assert.equal(await b.agent.join([gossipAddr(a.agent)], false), 1);
      assert.equal(await c.agent.join([gossipAddr(a.agent)], false), 1);
      await scrapeUntil(
        a,
        "three alive members",
        (f) => valueOf(f, "serfts_members", { status: "alive" }) === 3,
      );
      const joined = await scrapeUntil(
        a,
        "probes of the others",
        (f) =>
          valueOf(f, "serfts_probe_duration_seconds") >= 2 &&
          valueOf(f, "serfts_member_changes_total", { change: "join" }) >= 2,
      );
      assert.ok(valueOf(joined, "serfts_gossip_tcp_connections_total", { direction: "inbound" }) >= 2);
      assert.ok(valueOf(joined, "serfts_gossip_received_bytes_total", { transport: "tcp" }) > 0);
      assert.ok(valueOf(joined, "serfts_gossip_received_bytes_total", { transport: "udp" }) > 0);
      assert.ok(valueOf(joined, "serfts_gossip_sent_bytes_total", { transport: "udp" }) > 0);
      assert.ok(valueOf(joined, "serfts_gossip_packets_total", { direction: "received" }) > 0);
      const bAfterJoin = await b.scrape();
      assert.ok(valueOf(bAfterJoin, "serfts_push_pull_duration_seconds") >= 1, "b's join was a push/pull");
      assert.ok(valueOf(bAfterJoin, "serfts_gossip_sent_bytes_total", { transport: "tcp" }) > 0);
      assert.ok(valueOf(bAfterJoin, "serfts_gossip_tcp_connections_total", { direction: "outbound" }) >= 1);

      // A user event from b reaches a.
      b.agent.userEvent("deploy", new TextEncoder().encode("v1"), false);
      await scrapeUntil(a, "the user event", (f) => valueOf(f, "serfts_user_events_received_total") >= 1);
      const bSent = await b.scrape();
      assert.equal(valueOf(bSent, "serfts_user_events_sent_total"), 1);
      assert.equal(valueOf(bSent, "serfts_user_events_received_total"), 1, "b counts its own event once");

      // A query from a with acks: b and c receive it, a counts their acks.
      const q = a.agent.query("ping", new Uint8Array(), { requestAck: true, timeoutMs: 5_000 });
      try {
        await scrapeUntil(
          a,
          "acks from b and c",
          (f) => valueOf(f, "serfts_query_acks_total", { duplicate: "false" }) >= 2,
        );
      } finally {
        q.close();
      }
      assert.equal(valueOf(await a.scrape(), "serfts_queries_sent_total"), 1);
      await scrapeUntil(c, "the query", (f) => valueOf(f, "serfts_queries_received_total") >= 1);

      // An RPC client: the current gauge and the running total.
      client = await RpcClient.connect(`127.0.0.1:${a.rpc.address!.port}`);
      assert.equal((await client.members()).length, 3);
      const withClient = await a.scrape();
      assert.equal(valueOf(withClient, "serfts_rpc_clients"), 1);
      assert.equal(valueOf(withClient, "serfts_rpc_connections_total"), 1);
      assert.ok(valueOf(withClient, "serfts_rpc_commands_total") >= 2, "handshake and members");
      client.close();
      client = undefined;
      await scrapeUntil(a, "the RPC client gone", (f) => valueOf(f, "serfts_rpc_clients") === 0);

      // Garbage on the gossip port is dropped and counted, never fatal.
      const junk = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      try {
        const to = a.agent.serf.localMember();
        await junk.send(new Uint8Array([0xff, 0x00, 0x13, 0x37]), {
          transport: "udp",
          hostname: to.addr,
          port: to.port,
        });
      } finally {
        junk.close();
      }
      await scrapeUntil(
        a,
        "the malformed datagram counted",
        (f) => valueOf(f, "serfts_malformed_messages_total", { layer: "memberlist" }) === 1,
      );

      // c dies without leaving: a suspects it, then declares it failed.
      await c.agent.shutdown();
      const failed = await scrapeUntil(
        a,
        "c failed",
        (f) =>
          valueOf(f, "serfts_members", { status: "failed" }) === 1 &&
          valueOf(f, "serfts_member_changes_total", { change: "failed" }) >= 1,
        30_000,
      );
      assert.equal(valueOf(failed, "serfts_members", { status: "alive" }), 2);
      const bFailed = await scrapeUntil(
        b,
        "c failed on b",
        (f) => valueOf(f, "serfts_members", { status: "failed" }) === 1,
      );
      assert.ok(
        valueOf(failed, "serfts_suspicions_total") + valueOf(bFailed, "serfts_suspicions_total") >= 1,
        "someone suspected c before it was declared dead",
      );
      assert.ok(valueOf(failed, "serfts_memberlist_state_changes_total", { state: "dead" }) >= 1);

      // Counters and histograms never went back between the first and the last scrape.
      const before = monotonicSeries(first);
      const after = monotonicSeries(failed);
      for (const [key, v] of before) {
        assert.ok(after.has(key), `${key} is still there`);
        assert.ok(after.get(key)! >= v, `${key} went from ${v} to ${after.get(key)}`);
      }
    } finally {
      client?.close();
      for (const n of nodes) {
        await n.rpc?.close();
        await n.agent.shutdown();
        await n.telemetry.close();
      }
    }
  },
});
