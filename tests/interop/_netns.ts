/**
 * Test hosts in network namespaces: a hub namespace holding a bridge, and one
 * namespace per host wired to it by a veth pair, with private addresses
 * (10.78.0.0/24) that exist only inside the namespaces. The hub can drop all
 * UDP between the hosts with one nftables bridge rule. Needs root and
 * iproute2/nftables; {@linkcode namespaceSupport} says whether they are here.
 */

/** Result of a command run to completion. */
export interface RunResult {
  code: number;
  out: string;
}

/** Runs `argv` to completion (bounded by `timeoutMs`), stdout and stderr together. */
export async function run(argv: string[], timeoutMs = 15_000): Promise<RunResult> {
  const r = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

async function sh(argv: string[], input?: string): Promise<void> {
  let r: RunResult;
  if (input === undefined) {
    r = await run(argv);
  } else {
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(15_000),
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
    const o = await child.output();
    const dec = new TextDecoder();
    r = { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
  }
  if (r.code !== 0) throw new Error(`Command failed: ${argv.join(" ")}: ${r.out.trim()}`);
}

/** Whether namespaces can be built here: root, and `ip netns add` plus `nft` work. */
export async function namespaceSupport(tag: string): Promise<{ ok: boolean; reason: string }> {
  if (Deno.uid() !== 0) return { ok: false, reason: "not running as root" };
  const probe = `${tag}p`;
  try {
    const r = await run(["ip", "netns", "add", probe]);
    if (r.code !== 0) return { ok: false, reason: `ip netns add failed: ${r.out.trim()}` };
    const nft = await run(["ip", "netns", "exec", probe, "nft", "list", "ruleset"]);
    await run(["ip", "netns", "del", probe]);
    if (nft.code !== 0) return { ok: false, reason: `nft does not work: ${nft.out.trim()}` };
    return { ok: true, reason: "" };
  } catch (err) {
    return { ok: false, reason: `cannot run ip or nft: ${String(err)}` };
  }
}

/** A bridged set of host namespaces; `close` removes them all. */
export interface BridgedHosts {
  /** Host namespace names, in the order of their addresses. */
  hosts: string[];
  /** Host addresses: 10.78.0.1, 10.78.0.2, ... */
  ips: string[];
  /** Drops every UDP datagram the bridge forwards between hosts (counted). */
  dropUdp(): Promise<void>;
  /** Datagrams the drop rule has dropped so far. */
  udpDropped(): Promise<number>;
  close(): Promise<void>;
}

/** Deletes the namespaces a previous run with `tag` may have left behind. */
async function removeNamespaces(tag: string): Promise<void> {
  const r = await run(["ip", "netns", "list"]);
  for (const line of r.out.split("\n")) {
    const name = line.trim().split(/\s+/)[0];
    if (name && name.startsWith(tag)) await run(["ip", "netns", "del", name]);
  }
}

/** Builds a hub with a bridge and `count` hosts on it; everything is removed again if a step fails. */
export async function bridgedHosts(tag: string, count: number): Promise<BridgedHosts> {
  await removeNamespaces(tag);
  const hub = `${tag}hub`;
  const hosts = Array.from({ length: count }, (_, i) => `${tag}h${i + 1}`);
  const ips = hosts.map((_, i) => `10.78.0.${i + 1}`);
  const close = () => removeNamespaces(tag);
  try {
    await sh(["ip", "netns", "add", hub]);
    await sh(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]);
    await sh(["ip", "-n", hub, "link", "set", "br0", "up"]);
    for (const [i, ns] of hosts.entries()) {
      const port = `p${i + 1}`;
      await sh(["ip", "netns", "add", ns]);
      await sh([
        "ip",
        "link",
        "add",
        `${tag}v${i + 1}`,
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        port,
        "netns",
        hub,
      ]);
      await sh(["ip", "-n", hub, "link", "set", port, "master", "br0", "up"]);
      await sh(["ip", "-n", ns, "link", "set", `${tag}v${i + 1}`, "name", "eth0"]);
      await sh(["ip", "-n", ns, "addr", "add", `${ips[i]}/24`, "dev", "eth0"]);
      await sh(["ip", "-n", ns, "link", "set", "eth0", "up"]);
      await sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    hosts,
    ips,
    async dropUdp() {
      const rules = "table bridge serfts_test {\n" +
        "  chain forward {\n" +
        "    type filter hook forward priority 0; policy accept;\n" +
        "    meta l4proto udp counter drop\n" +
        "  }\n" +
        "}\n";
      await sh(["ip", "netns", "exec", hub, "nft", "-f", "-"], rules);
    },
    async udpDropped() {
      const r = await run(["ip", "netns", "exec", hub, "nft", "list", "ruleset"]);
      return Number(/udp counter packets (\d+)/.exec(r.out)?.[1] ?? 0);
    },
    close,
  };
}

/** A process running inside a namespace, its output collected. */
export interface NsProcess {
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Starts `argv` inside namespace `ns` with `env` added to the environment. */
export function startInNamespace(ns: string, argv: string[], env: Record<string, string> = {}): NsProcess {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...argv],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk);
  };
  const done = Promise.all([drain(child.stdout), drain(child.stderr), child.status]);
  return {
    log: () => text,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5_000);
      await done.catch(() => {});
      clearTimeout(t);
    },
  };
}
