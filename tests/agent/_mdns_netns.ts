/**
 * End-to-end mDNS runs: two agents (serfts or the real `serf`) in two network
 * namespaces joined by a veth pair, over IPv4, IPv6 or both. Needs root and
 * `ip netns`; without them the tests are skipped with a message, except in CI
 * (`SERFTS_REQUIRE_REFERENCE=1`), where they run and fail.
 */
import nodeAssert from "node:assert/strict";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";

const DENO = Deno.execPath();
const CLI = new URL("../../cli.ts", import.meta.url).pathname;
const SERF = "/usr/bin/serf";
/** The bun-compiled binary `deno task build` writes. */
export { SERFTS_BINARY } from "../_binary.ts";
import { SERFTS_BINARY } from "../_binary.ts";
const TAG = `smd${Deno.pid % 10000}`;

async function run(argv: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  const cmd = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  });
  const r = await cmd.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

async function sh(argv: string[]) {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`Command failed: ${argv.join(" ")}: ${r.out.trim()}`);
}

/** Whether namespaces can be built here and `serf` is installed, and what to ignore. */
export interface NamespaceSupport {
  ok: boolean;
  reason: string;
  serf: boolean;
  /** True when a test needing namespaces (and `serf`, when `needsSerf`) must be ignored. */
  ignore(needsSerf?: boolean): boolean;
}

/** Whether we may build namespaces here (root, and `ip netns add` works), and whether `serf` is installed. */
export async function namespaceSupport(): Promise<NamespaceSupport> {
  const serf = await Deno.stat(SERF).then(() => true, () => false);
  const result = (ok: boolean, reason: string): NamespaceSupport => ({
    ok,
    reason,
    serf,
    ignore: (needsSerf = false) => !REQUIRE_REFERENCE && (!ok || (needsSerf && !serf)),
  });
  if (Deno.uid() !== 0) return result(false, "not running as root");
  const probe = `${TAG}p`;
  try {
    const r = await run(["ip", "netns", "add", probe]);
    if (r.code !== 0) return result(false, `ip netns add failed: ${r.out.trim()}`);
    await run(["ip", "netns", "del", probe]);
    return result(true, "");
  } catch (err) {
    return result(false, `cannot run ip: ${String(err)}`);
  }
}

/** Which families the veth link carries. */
export interface LinkOptions {
  /** 10.77.0.1 and 10.77.0.2, with a route for 224.0.0.0/4. @default true */
  ipv4?: boolean;
  /** fd77::1 and fd77::2; false turns IPv6 off in the namespaces altogether. @default true */
  ipv6?: boolean;
}

/** The name of agent `i`'s (0 or 1) end of the veth pair. */
export function linkDevice(i: number): string {
  return `${TAG}v${"ab"[i]}`;
}

/** The address agent `i` (0 or 1) has on the link. */
export function linkAddress(family: "ipv4" | "ipv6", i: number): string {
  return family === "ipv4" ? `10.77.0.${i + 1}` : `fd77::${i + 1}`;
}

/**
 * Two namespaces joined by a veth pair, with multicast on and IPv6 DAD off
 * (real serf also queries ff02::fb and gives up its whole poll when that send
 * fails on a still-tentative link-local address).
 */
async function makeNamespaces(link: LinkOptions): Promise<string[]> {
  const names = [`${TAG}a`, `${TAG}b`];
  for (const ns of names) {
    await sh(["ip", "netns", "add", ns]);
    const ipv6Off = link.ipv6 === false ? 1 : 0;
    await sh([
      "ip",
      "netns",
      "exec",
      ns,
      "sh",
      "-c",
      "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad; " +
      `echo ${ipv6Off} > /proc/sys/net/ipv6/conf/all/disable_ipv6; ` +
      `echo ${ipv6Off} > /proc/sys/net/ipv6/conf/default/disable_ipv6`,
    ]);
  }
  await sh([
    "ip",
    "link",
    "add",
    `${TAG}va`,
    "netns",
    names[0]!,
    "type",
    "veth",
    "peer",
    "name",
    `${TAG}vb`,
    "netns",
    names[1]!,
  ]);
  for (const [i, ns] of names.entries()) {
    const dev = linkDevice(i);
    if (link.ipv4 !== false) {
      await sh(["ip", "-n", ns, "addr", "add", `${linkAddress("ipv4", i)}/24`, "dev", dev]);
    }
    if (link.ipv6 !== false) {
      await sh(["ip", "-n", ns, "addr", "add", `${linkAddress("ipv6", i)}/64`, "dev", dev, "nodad"]);
    }
    await sh(["ip", "-n", ns, "link", "set", "dev", dev, "multicast", "on", "up"]);
    await sh(["ip", "-n", ns, "link", "set", "dev", "lo", "up"]);
    if (link.ipv4 !== false) await sh(["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
  }
  if (link.ipv6 !== false) {
    // The kernel adds the ff00::/8 route a moment after the link gets its carrier;
    // joining ff02::fb before that fails, as it would for serf at boot.
    for (const ns of names) {
      await waitFor(`IPv6 multicast routing in ${ns}`, 10_000, async () => {
        const r = await run(["ip", "-n", ns, "-6", "route", "show", "table", "local"]);
        return r.out.includes("multicast ff00::/8");
      });
    }
  }
  return names;
}

interface AgentProc {
  child: Deno.ChildProcess;
  log: () => string;
  done: Promise<unknown>;
}

function startAgent(
  ns: string,
  kind: AgentKind,
  node: string,
  bind: string,
  extra: string[],
): AgentProc {
  const args = [
    "agent",
    `-node=${node}`,
    `-bind=${bind}`,
    "-discover=test",
    "-rpc-addr=127.0.0.1:7373",
    ...extra,
  ];
  const argv = kind === "serf"
    ? [SERF, ...args]
    : kind === "serfts-binary"
    ? [SERFTS_BINARY, ...args]
    : [DENO, "run", "-A", CLI, ...args];
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...argv],
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  let text = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk);
  };
  const done = Promise.all([drain(child.stdout), drain(child.stderr), child.status]);
  return { child, log: () => text, done };
}

async function stopAgent(a: AgentProc) {
  try {
    a.child.kill("SIGTERM");
  } catch { /* already gone */ }
  const t = setTimeout(() => {
    try {
      a.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, 5_000);
  await a.done.catch(() => {});
  clearTimeout(t);
}

async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
}

async function aliveMembers(ns: string): Promise<string[]> {
  const r = await run([
    "ip",
    "netns",
    "exec",
    ns,
    DENO,
    "run",
    "-A",
    CLI,
    "members",
    "-rpc-addr=127.0.0.1:7373",
  ]);
  return r.out.split("\n").filter((l) => /\balive\b/.test(l)).map((l) => l.trim().split(/\s+/)[0]!).sort();
}

/** The real serf, serfts run by Deno, or the bun-compiled serfts. */
export type AgentKind = "serf" | "serfts" | "serfts-binary";

/** One agent of a scenario. */
export interface ScenarioAgent {
  kind: AgentKind;
  node: string;
  /** More `agent` flags. @default [] */
  args?: string[];
}

/** Options for {@linkcode runNamespaceScenario}. */
export interface ScenarioOptions {
  /** @default both families */
  link?: LinkOptions;
  /** The family the agents bind and advertise on. @default "ipv4" */
  bind?: "ipv4" | "ipv6";
}

/**
 * Starts the first agent, then (once it runs) the second. The second agent's
 * log must show its mDNS round joining the first agent's address: that proves
 * its query found the first agent's responder, whatever the first agent's own
 * round found meanwhile, so no sleep is needed to order the two rounds.
 * @returns both agents' logs, for further checks
 */
export async function runNamespaceScenario(
  agents: [ScenarioAgent, ScenarioAgent],
  options: ScenarioOptions = {},
): Promise<[string, string]> {
  const link = options.link ?? {};
  const family = options.bind ?? "ipv4";
  const bindOf = (i: number) => family === "ipv4" ? linkAddress("ipv4", i) : `[${linkAddress("ipv6", i)}]`;
  const names = await makeNamespaces(link).catch(async (err) => {
    for (const ns of [`${TAG}a`, `${TAG}b`]) await run(["ip", "netns", "del", ns]).catch(() => {});
    throw err;
  });
  const procs: AgentProc[] = [];
  try {
    const [first, second] = agents;
    procs.push(startAgent(names[0]!, first.kind, first.node, bindOf(0), first.args ?? []));
    await waitFor(
      "the first agent to run",
      20_000,
      () => procs[0]!.log().includes("Log data will now stream"),
    );
    procs.push(startAgent(names[1]!, second.kind, second.node, bindOf(1), second.args ?? []));
    const want = [first.node, second.node].sort();
    await waitFor("both agents to list both members", 30_000, async () => {
      const [a, b] = await Promise.all([aliveMembers(names[0]!), aliveMembers(names[1]!)]);
      return JSON.stringify(a) === JSON.stringify(want) && JSON.stringify(b) === JSON.stringify(want);
    });
    nodeAssert.ok(
      /agent\.mdns: Joined \d+ hosts/.test(procs[1]!.log()),
      `second agent did not join:\n${procs[1]!.log()}`,
    );
    // Real serf also joins its own address: the proof is the first agent's address in the second's join.
    const firstAddr = `${bindOf(0)}:7946`;
    const joinLines = procs[1]!.log().split("\n").filter((l) => l.includes("agent: joining: ["));
    nodeAssert.ok(
      joinLines.some((l) => l.includes(firstAddr)),
      `second agent's mDNS round did not join the first agent at ${firstAddr}:\n${procs[1]!.log()}`,
    );
    return [procs[0]!.log(), procs[1]!.log()];
  } catch (err) {
    for (const p of procs) console.log(`--- agent log ---\n${p.log()}`);
    throw err;
  } finally {
    await Promise.all(procs.map(stopAgent));
    for (const ns of names) await run(["ip", "netns", "del", ns]).catch(() => {});
  }
}
