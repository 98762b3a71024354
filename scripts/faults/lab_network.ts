/**
 * The fault lab's network: per cluster, a hub namespace holding a bridge and
 * one namespace per host wired to it by a veth pair, with addresses
 * 10.79.<net>.<host>/24 that exist only inside the namespaces (other tests use
 * 10.77 and 10.78). Faults are nftables rules: on the hub's bridge for UDP
 * blocks and partitions, on a host's own eth0 for loss. Built like
 * tests/interop/_netns.ts, generalised to several clusters and fault kinds.
 *
 * Namespace names carry the owning process id (`sfl<pid>n<net>h<i>`), so a
 * run sweeps what a crashed earlier run left behind without touching a
 * concurrent run's namespaces.
 */
import { mustRun, runCommand } from "./command.ts";

/** Prefix of every namespace the fault lab creates. */
export const NAMESPACE_PREFIX = "sfl";

/** One cluster's hosts on one bridge; {@linkcode LabNetwork.close} removes them. */
export interface LabNetwork {
  /** Host namespace names, host i at index i. */
  hosts: string[];
  /** Host addresses, 10.79.<net>.<i + 1>. */
  ips: string[];
  /** Drops every UDP datagram the bridge forwards between hosts. */
  blockUdp(): Promise<void>;
  /** UDP datagrams the block rule dropped so far. */
  udpDropped(): Promise<number>;
  /** Drops everything the bridge forwards between a host in `a` and one in `b` (host indexes). */
  partition(a: number[], b: number[]): Promise<void>;
  /** Drops `percent` % of packets in and out of host `i`'s eth0, chosen at random. */
  lossy(i: number, percent: number): Promise<void>;
  /** Removes every fault rule: bridge and hosts forward and deliver everything again. */
  heal(): Promise<void>;
  /** Deletes the namespaces (their processes lose their network). */
  close(): Promise<void>;
}

const HUB_TABLE = "faultlab";
const HOST_TABLE = "faultlab_loss";

async function namespaceNames(): Promise<string[]> {
  const r = await runCommand(["ip", "netns", "list"]);
  return r.out.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n !== "");
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Kills every process left in namespace `ns`, then deletes it. */
async function removeNamespace(ns: string): Promise<void> {
  const pids = await runCommand(["ip", "netns", "pids", ns]);
  for (const pid of pids.out.split("\n").map(Number).filter((p) => p > 0)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  await runCommand(["ip", "netns", "del", ns]);
}

/**
 * Deletes lab namespaces (and kills their processes) whose owning process is
 * gone: the leftovers of a run that was killed before its clean-up ran.
 * @returns the names removed
 */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await namespaceNames()) {
    const owner = new RegExp(`^${NAMESPACE_PREFIX}(\\d+)n`).exec(ns);
    if (!owner || processAlive(Number(owner[1]))) continue;
    await removeNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/** Deletes every namespace this process created: the last step of a run, also on failure. */
export async function removeOwnNamespaces(): Promise<void> {
  const own = `${NAMESPACE_PREFIX}${Deno.pid}n`;
  for (const ns of await namespaceNames()) if (ns.startsWith(own)) await removeNamespace(ns);
}

/** Whether the lab can run here: root, `ip netns` and `nft` inside a namespace. */
export async function labSupport(): Promise<{ ok: boolean; reason: string }> {
  if (Deno.uid() !== 0) return { ok: false, reason: "the fault lab needs root (network namespaces)" };
  const probe = `${NAMESPACE_PREFIX}${Deno.pid}nprobe`;
  const add = await runCommand(["ip", "netns", "add", probe]);
  if (add.code !== 0) return { ok: false, reason: `ip netns add failed: ${add.out.trim()}` };
  const nft = await runCommand(["ip", "netns", "exec", probe, "nft", "list", "ruleset"]);
  await runCommand(["ip", "netns", "del", probe]);
  if (nft.code !== 0) return { ok: false, reason: `nft does not work in a namespace: ${nft.out.trim()}` };
  return { ok: true, reason: "" };
}

function nftSet(names: string[]): string {
  return `{ ${names.join(", ")} }`;
}

/**
 * Builds network `net` (0-255) with `count` hosts; on a failed step whatever
 * was built is removed before the error is thrown.
 */
export async function createLabNetwork(net: number, count: number): Promise<LabNetwork> {
  const base = `${NAMESPACE_PREFIX}${Deno.pid}n${net}`;
  const hub = `${base}hub`;
  const hosts = Array.from({ length: count }, (_, i) => `${base}h${i}`);
  const ips = hosts.map((_, i) => `10.79.${net}.${i + 1}`);
  const all = [hub, ...hosts];
  const close = async () => {
    for (const ns of all) await removeNamespace(ns);
  };
  try {
    await mustRun(["ip", "netns", "add", hub]);
    await mustRun(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]);
    await mustRun(["ip", "-n", hub, "link", "set", "br0", "up"]);
    for (const [i, ns] of hosts.entries()) {
      await mustRun(["ip", "netns", "add", ns]);
      await mustRun([
        "ip",
        "-n",
        ns,
        "link",
        "add",
        "eth0",
        "type",
        "veth",
        "peer",
        "name",
        `p${i}`,
        "netns",
        hub,
      ]);
      await mustRun(["ip", "-n", hub, "link", "set", `p${i}`, "master", "br0", "up"]);
      await mustRun(["ip", "-n", ns, "addr", "add", `${ips[i]}/24`, "dev", "eth0"]);
      await mustRun(["ip", "-n", ns, "link", "set", "eth0", "up"]);
      await mustRun(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
  } catch (err) {
    await close();
    throw err;
  }
  const hubRules = (body: string) =>
    `table bridge ${HUB_TABLE}\ndelete table bridge ${HUB_TABLE}\n` +
    `table bridge ${HUB_TABLE} {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n` +
    `${body}  }\n}\n`;
  const ports = (idx: number[]) => nftSet(idx.map((i) => `"p${i}"`));
  return {
    hosts,
    ips,
    async blockUdp() {
      await mustRun(
        ["ip", "netns", "exec", hub, "nft", "-f", "-"],
        hubRules("    meta l4proto udp counter drop\n"),
      );
    },
    async udpDropped() {
      const r = await runCommand(["ip", "netns", "exec", hub, "nft", "list", "table", "bridge", HUB_TABLE]);
      return Number(/udp counter packets (\d+)/.exec(r.out)?.[1] ?? 0);
    },
    async partition(a, b) {
      const body = `    iifname ${ports(a)} oifname ${ports(b)} drop\n` +
        `    iifname ${ports(b)} oifname ${ports(a)} drop\n`;
      await mustRun(["ip", "netns", "exec", hub, "nft", "-f", "-"], hubRules(body));
    },
    async lossy(i, percent) {
      const rules = `table inet ${HOST_TABLE}\ndelete table inet ${HOST_TABLE}\n` +
        `table inet ${HOST_TABLE} {\n` +
        `  chain in {\n    type filter hook input priority 0; policy accept;\n` +
        `    iifname "eth0" numgen random mod 100 < ${percent} counter drop\n  }\n` +
        `  chain out {\n    type filter hook output priority 0; policy accept;\n` +
        `    oifname "eth0" numgen random mod 100 < ${percent} counter drop\n  }\n}\n`;
      await mustRun(["ip", "netns", "exec", hosts[i]!, "nft", "-f", "-"], rules);
    },
    async heal() {
      await runCommand(["ip", "netns", "exec", hub, "nft", "delete", "table", "bridge", HUB_TABLE]);
      for (const ns of hosts) {
        await runCommand(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet", HOST_TABLE]);
      }
    },
    close,
  };
}
