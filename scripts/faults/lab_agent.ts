/**
 * One agent of the fault lab: the real `serf` or the compiled `dist/serfts`,
 * running inside its host's namespace with RPC on that namespace's own
 * loopback. Each namespace has its own 127.0.0.1, so every agent uses the
 * default RPC address and the operator can reach it with
 * `ip netns exec <ns> serf members`.
 */
import { runCommand } from "./command.ts";

/** Which implementation an agent runs. */
export type AgentKind = "serf" | "serfts";

/** Where the two implementations' binaries are. */
export interface AgentBinaries {
  /** @default "/usr/bin/serf" */
  serf: string;
  /** @default "<repo>/dist/serfts" */
  serfts: string;
}

/** The binaries the lab runs unless told otherwise. */
export function defaultAgentBinaries(): AgentBinaries {
  return {
    serf: "/usr/bin/serf",
    // The compiled binary, as in production: lower memory than `deno run`.
    serfts: new URL("../../dist/serfts", import.meta.url).pathname,
  };
}

/** How to start one agent. */
export interface AgentSpec {
  kind: AgentKind;
  node: string;
  /** Host namespace. */
  ns: string;
  /** Address to bind and advertise (port 7946). */
  ip: string;
  /** Addresses to join at start. @default [] */
  join?: string[];
  /** Snapshot file: a restarted agent rejoins from it by itself. @default none */
  snapshot?: string;
  /** Tags file: tags set at run time survive a restart. @default none */
  tagsFile?: string;
}

/** A member as the agent's RPC reports it (`members -format=json`). */
export interface MemberView {
  name: string;
  status: string;
  tags: Record<string, string>;
}

/** The agent's Lamport clocks (`info`): member, user event and query. */
export interface Clocks {
  member: number;
  event: number;
  query: number;
}

/** A started agent; the log is collected for counting the lab's events. */
export interface LabAgent {
  spec: AgentSpec;
  pid: number;
  log(): string;
  /** Lines of the log matching `pattern`. */
  count(pattern: RegExp): number;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, SIGTERM); no-op once the agent exited. */
  signal(sig: Deno.Signal): void;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** Whether the process has exited. */
  isExited(): boolean;
  /** The agent's member list over RPC; undefined when RPC does not answer in 5 s. */
  members(): Promise<MemberView[] | undefined>;
  /** The agent's clocks over RPC; undefined when RPC does not answer in 5 s. */
  clocks(): Promise<Clocks | undefined>;
  /** Runs a serf CLI command (e.g. `["tags", "-set", "k=v"]`) against this agent. */
  cli(args: string[]): Promise<{ code: number; out: string }>;
  /** Resident set in KiB from /proc, 0 once the process is gone. */
  rssKb(): number;
  /** SIGKILL (after SIGCONT, in case it is stopped) and waits for the exit. */
  kill(): Promise<void>;
}

/** Starts an agent in its namespace; it runs until {@linkcode LabAgent.kill}. */
export function startLabAgent(spec: AgentSpec, binaries: AgentBinaries): LabAgent {
  const args = [
    "agent",
    `-node=${spec.node}`,
    `-bind=${spec.ip}`,
    "-rpc-addr=127.0.0.1:7373",
    "-log-level=info",
    ...(spec.join ?? []).map((a) => `-join=${a}`),
    ...(spec.snapshot ? [`-snapshot=${spec.snapshot}`] : []),
    ...(spec.tagsFile ? [`-tags-file=${spec.tagsFile}`] : []),
  ];
  // `ip netns exec` execs the binary in place, so the child's pid is the agent's.
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", spec.ns, binaries[spec.kind], ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let exited = false;
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk);
  };
  const done = Promise.all([drain(child.stdout), drain(child.stderr), child.status]).then(() => {
    exited = true;
  }, () => {
    exited = true;
  });
  const cli = (cmd: string[]) =>
    runCommand(
      ["ip", "netns", "exec", spec.ns, binaries.serf, cmd[0]!, "-rpc-addr=127.0.0.1:7373", ...cmd.slice(1)],
      { timeoutMs: 5_000 },
    );
  const signal = (sig: Deno.Signal) => {
    if (exited) return;
    try {
      Deno.kill(child.pid, sig);
    } catch { /* exited meanwhile */ }
  };
  return {
    spec,
    pid: child.pid,
    log: () => text,
    count: (pattern) => text.split("\n").filter((l) => pattern.test(l)).length,
    signal,
    exited: done,
    isExited: () => exited,
    async members() {
      const r = await cli(["members", "-format=json"]);
      if (r.code !== 0) return undefined;
      try {
        const parsed = JSON.parse(r.out) as { members: MemberView[] };
        return parsed.members.map((m) => ({ name: m.name, status: m.status, tags: m.tags ?? {} }));
      } catch {
        return undefined;
      }
    },
    async clocks() {
      const r = await cli(["info", "-format=json"]);
      if (r.code !== 0) return undefined;
      try {
        const serf = (JSON.parse(r.out) as { serf: Record<string, string> }).serf;
        return {
          member: Number(serf.member_time),
          event: Number(serf.event_time),
          query: Number(serf.query_time),
        };
      } catch {
        return undefined;
      }
    },
    cli,
    rssKb() {
      if (exited) return 0;
      try {
        const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
        return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      } catch {
        return 0;
      }
    },
    async kill() {
      signal("SIGCONT");
      signal("SIGKILL");
      await done;
    },
  };
}
