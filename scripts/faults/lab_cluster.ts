/**
 * A cluster of lab agents on one lab network: agent 0 starts first, the others
 * join it; each agent keeps a snapshot and a tags file in a temporary
 * directory so it can be restarted as an operator would. `close` kills every
 * agent, deletes the namespaces and the directory, whatever state they are in.
 */
import { waitUntil } from "./command.ts";
import {
  type AgentBinaries,
  type AgentKind,
  type LabAgent,
  type MemberView,
  startLabAgent,
} from "./lab_agent.ts";
import { createLabNetwork, type LabNetwork } from "./lab_network.ts";

/** Bounds for the cluster's own waits. */
export interface ClusterTimeouts {
  /** For an agent's RPC to answer after start. @default 30_000 */
  startMs: number;
  /** For every agent to list every other alive after start. @default 60_000 */
  formMs: number;
}

/** Generous on a loaded 2-core machine: a bun binary can take seconds to start there. */
export function defaultClusterTimeouts(): ClusterTimeouts {
  return { startMs: 30_000, formMs: 60_000 };
}

/** A running cluster; agents[i] runs on network host i. */
export interface LabCluster {
  net: LabNetwork;
  agents: LabAgent[];
  names: string[];
  /** Member list of agent `i`, name → status; undefined when its RPC does not answer. */
  view(i: number): Promise<Map<string, MemberView> | undefined>;
  /** Whether every agent in `observers` lists every node in `nodes` as alive. */
  allSee(observers: number[], nodes: number[], status: string): Promise<boolean>;
  /** Waits (bounded by `maxMs`) until every running agent lists every node alive; ms taken or undefined. */
  waitAllAlive(maxMs: number, observers?: number[]): Promise<number | undefined>;
  /** Starts agent `i` again on its host, with its snapshot and tags file and no join address. */
  restart(i: number): Promise<LabAgent>;
  close(): Promise<void>;
}

/** What a cluster is made of. */
export interface ClusterSpec {
  /** One kind per host. */
  kinds: AgentKind[];
  /** Lab network number: hosts get 10.79.<net>.x. */
  net: number;
  binaries: AgentBinaries;
  timeouts?: ClusterTimeouts;
}

function nodeName(kind: AgentKind, i: number): string {
  return `${kind === "serf" ? "go" : "ts"}-${i}`;
}

/** Builds the network, starts the agents and waits until they all see each other alive. */
export async function startLabCluster(spec: ClusterSpec): Promise<LabCluster> {
  const timeouts = spec.timeouts ?? defaultClusterTimeouts();
  const net = await createLabNetwork(spec.net, spec.kinds.length);
  const dir = await Deno.makeTempDir({ prefix: "serfts-faultlab-" });
  const names = spec.kinds.map((k, i) => nodeName(k, i));
  const agents: LabAgent[] = [];
  const specOf = (i: number, join: string[]) => ({
    kind: spec.kinds[i]!,
    node: names[i]!,
    ns: net.hosts[i]!,
    ip: net.ips[i]!,
    join,
    snapshot: `${dir}/${names[i]}.snapshot`,
    tagsFile: `${dir}/${names[i]}.tags.json`,
  });
  const view = async (i: number) => {
    const members = await agents[i]!.members();
    return members && new Map(members.map((m) => [m.name, m]));
  };
  const allSee = async (observers: number[], nodes: number[], status: string) => {
    const views = await Promise.all(observers.map(view));
    return views.every((v) => v !== undefined && nodes.every((n) => v.get(names[n]!)?.status === status));
  };
  const everyone = spec.kinds.map((_, i) => i);
  const cluster: LabCluster = {
    net,
    agents,
    names,
    view,
    allSee,
    waitAllAlive: (maxMs, observers = everyone) =>
      waitUntil(() => allSee(observers, everyone, "alive"), maxMs),
    async restart(i) {
      agents[i] = startLabAgent(specOf(i, []), spec.binaries);
      await waitUntil(async () => (await agents[i]!.members()) !== undefined, timeouts.startMs);
      return agents[i]!;
    },
    async close() {
      await Promise.all(agents.map((a) => a.kill()));
      await net.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  try {
    agents.push(startLabAgent(specOf(0, []), spec.binaries));
    const up = await waitUntil(async () => (await agents[0]!.members()) !== undefined, timeouts.startMs);
    if (up === undefined) throw new Error(`Agent ${names[0]} did not answer RPC:\n${agents[0]!.log()}`);
    for (let i = 1; i < spec.kinds.length; i++) {
      agents.push(startLabAgent(specOf(i, [net.ips[0]!]), spec.binaries));
    }
    const formed = await cluster.waitAllAlive(timeouts.formMs);
    if (formed === undefined) {
      const logs = agents.map((a) => `--- ${a.spec.node} ---\n${a.log()}`).join("\n");
      throw new Error(`Cluster ${names.join(",")} did not form within ${timeouts.formMs} ms:\n${logs}`);
    }
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
