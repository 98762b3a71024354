/**
 * RPC throughput of a serfts agent against the real `serf` agent, on loopback,
 * serf and serfts interleaved (A B A B ...) so a noisy shared machine hurts both
 * alike. Two measurements, each timed from the first byte written to the last
 * response read on one connection:
 *
 * - events: one connection, handshake, then `events` `event` requests written
 *   back to back without waiting, until every response has been read. The
 *   agents are alone (no cluster), so the broadcasts go nowhere. Each round
 *   starts a fresh agent and times two runs on it: "cold" (the agent's first
 *   requests: a JIT runtime is still compiling) and "warm" (the next run, the
 *   steady state of a long-running agent). The agent's CPU time (all threads,
 *   from /proc) is recorded beside each: on a busy machine it is steadier than
 *   wall time.
 * - members: the agents join a swarm (one helper process hosting
 *   `memberCount - 2` lightweight serfts nodes on loopback UDP/TCP, with slow
 *   probe and gossip so the swarm stays quiet); both agents under test join it
 *   at once, so every agent lists exactly `memberCount` members. Then
 *   `membersSequential` requests one after another (each waits for its answer)
 *   and `membersPipelined` requests written back to back.
 *
 * The members bench keeps one agent per target joined to the swarm for all rounds. Reported:
 * the median per target and the serfts/serf ratio of medians (below 1 is faster).
 *
 * Run alone: `deno run -A scripts/bench/rpc.ts [--rounds=5] [--events=5000]
 * [--members=200] [--no-deno] [--no-binary] [--serfts-bin=dist/serfts]
 * [--before-bin=old/serfts] [--before-tree=old-checkout]`.
 * From the suite: `benchRpc(options)`.
 *
 * @module
 */
import { encodeRpcFrame, requestHeaderValue } from "../../lib/rpc/protocol.ts";
import { eventRequestValue, handshakeValue, joinRequestValue } from "../../lib/rpc/bodies.ts";
import { decodeMsgpack, msgpackObjectLength } from "../../lib/codec/msgpack.ts";
import { defaultLanConfig } from "../../lib/memberlist/config.ts";
import { Serf } from "../../lib/serf/serf.ts";
import { listenTransport } from "../../lib/transport/detect.ts";
import { Logger } from "../../lib/util/log.ts";
import { freePort } from "./agent_process.ts";
import { sleep } from "./stats.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

const root = new URL("../..", import.meta.url).pathname;

/** Settings for {@linkcode benchRpc}. */
export interface RpcBenchOptions {
  /**
   * Rounds per measurement; medians are taken over them.
   * @default {5}
   */
  rounds?: number;
  /**
   * User events pipelined per run; 0 skips the events bench.
   * @default {5000}
   */
  events?: number;
  /**
   * Members every agent under test lists during the members bench (the swarm makes up the
   * rest); 0 skips the members bench.
   * @default {200}
   */
  memberCount?: number;
  /**
   * `members` requests per round sent one after another.
   * @default {50}
   */
  membersSequential?: number;
  /**
   * `members` requests per round written back to back.
   * @default {200}
   */
  membersPipelined?: number;
  /**
   * The reference agent.
   * @default {"/usr/bin/serf"}
   */
  serfBin?: string;
  /**
   * The compiled serfts binary, or null to skip it.
   * @default {"<repo>/dist/serfts" when it exists}
   */
  serftsBin?: string | null;
  /**
   * Also measure serfts under `deno run -A cli.ts agent`.
   * @default {true}
   */
  includeDeno?: boolean;
  /**
   * Earlier builds to compare with (before/after a change): `bin` is run as
   * `<bin> agent ...`, `tree` as `deno run -A <tree>/cli.ts agent ...`.
   * @default {[]}
   */
  extraTargets?: { name: string; bin?: string; tree?: string }[];
  /**
   * Where progress lines go.
   * @default console.log
   */
  log?: (line: string) => void;
}

/** Medians (ms) of one target. */
export interface RpcTargetResult {
  /** The second run of `events` on an agent (steady state). */
  eventsMs: number;
  /** CPU time (user + system, all threads) the agent spent on that run, in ms (10 ms ticks). */
  eventsCpuMs: number;
  /** The first run of `events` on a fresh agent. */
  eventsColdMs: number;
  eventsColdCpuMs: number;
  membersSequentialMs: number;
  membersPipelinedMs: number;
  /** Agent CPU (all threads) over the sequential and pipelined `members` runs of a round, in ms. */
  membersCpuMs: number;
  /** Every round's numbers, in order. */
  rounds: {
    eventsMs: number[];
    eventsCpuMs: number[];
    eventsColdMs: number[];
    eventsColdCpuMs: number[];
    membersSequentialMs: number[];
    membersPipelinedMs: number[];
    membersCpuMs: number[];
  };
}

/** What {@linkcode benchRpc} returns. */
export interface RpcBenchResult {
  date: string;
  options: Required<Omit<RpcBenchOptions, "log" | "serftsBin">> & { serftsBin: string | null };
  /** Keyed by target: "serf", "serfts" (compiled binary), "serfts-deno". */
  targets: Record<string, RpcTargetResult>;
  /** serfts target / serf, ratio of medians, per measurement. */
  ratios: Record<string, {
    events: number;
    eventsCpu: number;
    eventsCold: number;
    eventsColdCpu: number;
    membersSequential: number;
    membersPipelined: number;
    membersCpu: number;
  }>;
}

interface Target {
  name: string;
  command: (args: string[]) => [string, string[]];
}

interface Proc {
  child: Deno.ChildProcess;
  output: () => string;
}

function spawn(cmd: string, args: string[]): Proc {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", cwd: root }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (r: ReadableStream<Uint8Array>) => {
    for await (const c of r) {
      out += dec.decode(c);
      if (out.length > 200_000) out = out.slice(-100_000);
    }
  };
  pump(child.stdout).catch(() => {});
  pump(child.stderr).catch(() => {});
  return { child, output: () => out };
}

async function stop(p: Proc): Promise<void> {
  try {
    p.child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await p.child.status;
}

/** User + system CPU of a process so far, in ms (Linux: /proc, 100 ticks a second). */
function cpuMs(pid: number): number {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// ---------------------------------------------------------------- a bare RPC connection

/**
 * A deliberately thin client: requests are pre-encoded, responses are only
 * framed (scanned for object boundaries), so the client costs the same whichever
 * agent it talks to and stays out of the way.
 */
class BareRpc {
  #conn: Deno.TcpConn;
  #buf = new Uint8Array(1 << 16);
  #start = 0;
  #end = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async connect(port: number): Promise<BareRpc> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    const rpc = new BareRpc(conn);
    await rpc.writeAll(request("handshake", 0, handshakeValue(1)));
    const header = await rpc.readObject();
    const error = (decodeMsgpack(header) as { Error?: Uint8Array }).Error;
    if (error && error.length > 0) throw new Error(`handshake failed: ${new TextDecoder().decode(error)}`);
    return rpc;
  }

  async writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  /** Reads the bytes of the next msgpack object. */
  async readObject(): Promise<Uint8Array> {
    while (true) {
      const len = msgpackObjectLength(this.#buf.subarray(this.#start, this.#end), 0);
      if (len >= 0) {
        const out = this.#buf.subarray(this.#start, this.#start + len);
        this.#start += len;
        return out;
      }
      await this.#fill();
    }
  }

  /** Skips `n` objects, returning the last one's bytes (valid until the next read). */
  async skipObjects(n: number): Promise<Uint8Array> {
    let last: Uint8Array = new Uint8Array();
    for (let i = 0; i < n; i++) last = await this.readObject();
    return last;
  }

  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buf.length) {
      const grown = new Uint8Array(this.#buf.length * 2);
      grown.set(this.#buf);
      this.#buf = grown;
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) throw new Error("agent closed the RPC connection");
    this.#end += n;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

function request(command: string, seq: number, body?: Parameters<typeof encodeRpcFrame>[0]): Uint8Array {
  const header = requestHeaderValue({ command, seq });
  return body === undefined ? encodeRpcFrame(header) : encodeRpcFrame(header, body);
}

function checkHeader(bytes: Uint8Array, wantSeq: number): void {
  const h = decodeMsgpack(bytes) as { Seq?: number | bigint; Error?: Uint8Array };
  const error = h.Error ? new TextDecoder().decode(h.Error) : "";
  if (error !== "" || Number(h.Seq) !== wantSeq) {
    throw new Error(`unexpected response header: seq ${h.Seq} (want ${wantSeq}), error "${error}"`);
  }
}

/** Pipelines `count` `event` requests and times until every response is read. */
export async function timeEvents(port: number, count: number): Promise<number> {
  const rpc = await BareRpc.connect(port);
  try {
    const payload = new TextEncoder().encode("payload-0123456789");
    const batch = concatBytes(
      Array.from(
        { length: count },
        (_, i) => request("event", i + 1, eventRequestValue({ name: "bench", payload, coalesce: false })),
      ),
    );
    const started = performance.now();
    const writing = rpc.writeAll(batch);
    const last = await rpc.skipObjects(count);
    await writing;
    const ms = performance.now() - started;
    checkHeader(last, count);
    return ms;
  } finally {
    rpc.close();
  }
}

/** Sends `count` `members` requests, pipelined or one at a time; checks the last answer lists at least `want`. */
export async function timeMembers(
  port: number,
  count: number,
  pipelined: boolean,
  want: number,
): Promise<number> {
  const rpc = await BareRpc.connect(port);
  try {
    const reqs = Array.from({ length: count }, (_, i) => request("members", i + 1));
    let body: Uint8Array = new Uint8Array();
    const started = performance.now();
    if (pipelined) {
      const writing = rpc.writeAll(concatBytes(reqs));
      await rpc.skipObjects(2 * count - 1);
      body = await rpc.readObject();
      await writing;
    } else {
      for (const r of reqs) {
        await rpc.writeAll(r);
        await rpc.readObject();
        body = await rpc.readObject();
      }
    }
    const ms = performance.now() - started;
    const members = (decodeMsgpack(body) as { Members?: unknown[] }).Members ?? [];
    if (members.length < want) throw new Error(`members listed ${members.length}, expected ${want}`);
    return ms;
  } finally {
    rpc.close();
  }
}

/** Sends one request and returns its decoded header and body. */
export async function call(port: number, command: string, body?: Parameters<typeof encodeRpcFrame>[0]) {
  const rpc = await BareRpc.connect(port);
  try {
    await rpc.writeAll(request(command, 1, body));
    const header = decodeMsgpack(await rpc.readObject()) as { Error?: Uint8Array };
    const error = header.Error ? new TextDecoder().decode(header.Error) : "";
    if (error !== "") throw new Error(`${command} failed: ${error}`);
    return command === "members" || command === "join" ? decodeMsgpack(await rpc.readObject()) : undefined;
  } finally {
    rpc.close();
  }
}

async function memberCount(port: number): Promise<number> {
  const body = await call(port, "members") as { Members?: unknown[] };
  return body.Members?.length ?? 0;
}

// ---------------------------------------------------------------- agents

interface RunningAgent {
  proc: Proc;
  rpcPort: number;
}

async function startAgent(target: Target, name: string): Promise<RunningAgent> {
  const rpcPort = freePort();
  const [cmd, args] = target.command([
    "agent",
    `-node=${name}`,
    `-bind=127.0.0.1:${freePort()}`,
    `-rpc-addr=127.0.0.1:${rpcPort}`,
    "-log-level=warn",
  ]);
  const proc = spawn(cmd, args);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await memberCount(rpcPort);
      return { proc, rpcPort };
    } catch {
      await sleep(25);
    }
  }
  await stop(proc);
  throw new Error(`${target.name} agent did not answer RPC within 30 s:\n${proc.output()}`);
}

function targetsFor(
  opts: { serfBin: string; serftsBin: string | null; includeDeno: boolean },
  extra: { name: string; bin?: string; tree?: string }[],
): Target[] {
  const targets: Target[] = [{ name: "serf", command: (args) => [opts.serfBin, args] }];
  if (opts.serftsBin !== null) {
    const bin = opts.serftsBin;
    targets.push({ name: "serfts", command: (args) => [bin, args] });
  }
  if (opts.includeDeno) {
    targets.push({
      name: "serfts-deno",
      command: (args) => [Deno.execPath(), ["run", "-A", "--unstable-net", `${root}cli.ts`, ...args]],
    });
  }
  for (const x of extra) {
    const { bin, tree } = x;
    if (bin !== undefined) targets.push({ name: x.name, command: (args) => [bin, args] });
    else if (tree !== undefined) {
      targets.push({
        name: x.name,
        command: (args) => [Deno.execPath(), ["run", "-A", "--unstable-net", `${tree}/cli.ts`, ...args]],
      });
    }
  }
  return targets;
}

function defaultBinary(): string | null {
  try {
    Deno.statSync(`${root}dist/serfts`);
    return `${root}dist/serfts`;
  } catch {
    return null;
  }
}

/** Runs both RPC benchmarks; see the module doc. */
export async function benchRpc(options: RpcBenchOptions = {}): Promise<RpcBenchResult> {
  const opts = {
    rounds: options.rounds ?? 5,
    events: options.events ?? 5000,
    memberCount: options.memberCount ?? 200,
    membersSequential: options.membersSequential ?? 50,
    membersPipelined: options.membersPipelined ?? 200,
    serfBin: options.serfBin ?? "/usr/bin/serf",
    serftsBin: options.serftsBin === undefined ? defaultBinary() : options.serftsBin,
    includeDeno: options.includeDeno ?? true,
    extraTargets: options.extraTargets ?? [],
  };
  const log = options.log ?? console.log;
  const targets = targetsFor(opts, opts.extraTargets);
  const rounds: Record<string, RpcTargetResult["rounds"]> = {};
  for (const t of targets) {
    rounds[t.name] = {
      eventsMs: [],
      eventsCpuMs: [],
      eventsColdMs: [],
      eventsColdCpuMs: [],
      membersSequentialMs: [],
      membersPipelinedMs: [],
      membersCpuMs: [],
    };
  }

  log(`rpc: ${opts.events} pipelined events, ${opts.rounds} rounds, targets ${targets.map((t) => t.name)}`);
  for (let r = 0; r < opts.rounds && opts.events > 0; r++) {
    for (const t of targets) {
      const agent = await startAgent(t, `ev-${t.name}-${r}`);
      try {
        const pid = agent.proc.child.pid;
        const runs: string[] = [];
        for (
          const [wall, cpu] of [["eventsColdMs", "eventsColdCpuMs"], ["eventsMs", "eventsCpuMs"]] as const
        ) {
          const cpuBefore = cpuMs(pid);
          const ms = await timeEvents(agent.rpcPort, opts.events);
          const used = cpuMs(pid) - cpuBefore;
          rounds[t.name]![wall].push(ms);
          rounds[t.name]![cpu].push(used);
          runs.push(`${ms.toFixed(1)} ms (agent CPU ${used} ms)`);
        }
        log(`  round ${r + 1} ${t.name.padEnd(12)} events cold ${runs[0]}, warm ${runs[1]}`);
      } finally {
        await stop(agent.proc);
      }
    }
  }

  if (opts.memberCount > 0) await benchMembers(opts, targets, rounds, log);
  return summarize(opts, targets, rounds);
}

async function benchMembers(
  opts: RpcBenchResult["options"],
  targets: Target[],
  rounds: Record<string, RpcTargetResult["rounds"]>,
  log: (line: string) => void,
): Promise<void> {
  log(`rpc: members with ${opts.memberCount} members (swarm of ${opts.memberCount - targets.length})`);
  const swarmSize = opts.memberCount - targets.length;
  const swarm = spawn(Deno.execPath(), [
    "run",
    "-A",
    "--unstable-net",
    new URL(import.meta.url).pathname,
    "--swarm",
    String(swarmSize),
  ]);
  const agents: { target: Target; agent: RunningAgent }[] = [];
  try {
    const seed = await waitForSwarm(swarm);
    for (const t of targets) {
      const agent = await startAgent(t, `m-${t.name}`);
      agents.push({ target: t, agent });
      for (let attempt = 1;; attempt++) {
        try {
          await call(agent.rpcPort, "join", joinRequestValue([seed], false));
          break;
        } catch (err) {
          if (attempt === 5) throw new Error(`${t.name} could not join the swarm`, { cause: err });
          log(`  ${t.name}: join failed, retrying: ${err instanceof Error ? err.message : err}`);
        }
      }
    }
    const deadline = Date.now() + 60_000;
    for (const { target, agent } of agents) {
      let n = 0;
      while (Date.now() < deadline && (n = await memberCount(agent.rpcPort)) < opts.memberCount) {
        await sleep(200);
      }
      // More is possible: another bench on this machine may join a swarm node that took a port it expected.
      if (n < opts.memberCount) {
        throw new Error(`${target.name} lists ${n} members, want ${opts.memberCount}`);
      }
      log(`  ${target.name} lists ${n} members`);
    }
    for (const { agent } of agents) await timeMembers(agent.rpcPort, 20, true, opts.memberCount); // warm up
    for (let r = 0; r < opts.rounds; r++) {
      for (const { target, agent } of agents) {
        const cpuBefore = cpuMs(agent.proc.child.pid);
        const seq = await timeMembers(agent.rpcPort, opts.membersSequential, false, opts.memberCount);
        const pipe = await timeMembers(agent.rpcPort, opts.membersPipelined, true, opts.memberCount);
        const cpu = cpuMs(agent.proc.child.pid) - cpuBefore;
        rounds[target.name]!.membersSequentialMs.push(seq);
        rounds[target.name]!.membersPipelinedMs.push(pipe);
        rounds[target.name]!.membersCpuMs.push(cpu);
        log(
          `  round ${r + 1} ${target.name.padEnd(12)} members x${opts.membersSequential} sequential ${
            seq.toFixed(1)
          } ms, x${opts.membersPipelined} pipelined ${pipe.toFixed(1)} ms (agent CPU ${cpu} ms)`,
        );
      }
    }
  } finally {
    for (const { agent } of agents) await stop(agent.proc);
    await stop(swarm);
  }
}

function summarize(
  opts: RpcBenchResult["options"],
  targets: Target[],
  rounds: Record<string, RpcTargetResult["rounds"]>,
): RpcBenchResult {
  const result: RpcBenchResult = {
    date: new Date().toISOString(),
    options: opts,
    targets: {},
    ratios: {},
  };
  for (const t of targets) {
    const r = rounds[t.name]!;
    result.targets[t.name] = {
      eventsMs: median(r.eventsMs),
      eventsCpuMs: median(r.eventsCpuMs),
      eventsColdMs: median(r.eventsColdMs),
      eventsColdCpuMs: median(r.eventsColdCpuMs),
      membersSequentialMs: median(r.membersSequentialMs),
      membersPipelinedMs: median(r.membersPipelinedMs),
      membersCpuMs: median(r.membersCpuMs),
      rounds: r,
    };
  }
  const base = result.targets.serf!;
  for (const t of targets) {
    if (t.name === "serf") continue;
    const x = result.targets[t.name]!;
    result.ratios[t.name] = {
      events: x.eventsMs / base.eventsMs,
      eventsCpu: x.eventsCpuMs / base.eventsCpuMs,
      eventsCold: x.eventsColdMs / base.eventsColdMs,
      eventsColdCpu: x.eventsColdCpuMs / base.eventsColdCpuMs,
      membersSequential: x.membersSequentialMs / base.membersSequentialMs,
      membersPipelined: x.membersPipelinedMs / base.membersPipelinedMs,
      membersCpu: x.membersCpuMs / base.membersCpuMs,
    };
  }
  return result;
}

async function waitForSwarm(swarm: Proc): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const m = /swarm ready (\S+)/.exec(swarm.output());
    if (m) return m[1]!;
    await sleep(100);
  }
  throw new Error(`swarm did not start:\n${swarm.output()}`);
}

/** Formats a result as a Markdown table. */
export function formatRpcResult(result: RpcBenchResult): string {
  const o = result.options;
  const lines = [
    `| target | ${o.events} events, cold | agent CPU | ${o.events} events, warm | agent CPU | ` +
    `${o.membersSequential} x members (${o.memberCount}), sequential | ${o.membersPipelined} x members, pipelined | agent CPU |`,
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [name, t] of Object.entries(result.targets)) {
    const x = result.ratios[name];
    const cell = (ms: number, ratio?: number) =>
      `${ms.toFixed(0)} ms${ratio === undefined ? "" : ` (${ratio.toFixed(2)}x)`}`;
    lines.push(
      `| ${name} | ${cell(t.eventsColdMs, x?.eventsCold)} | ${cell(t.eventsColdCpuMs, x?.eventsColdCpu)} | ` +
        `${cell(t.eventsMs, x?.events)} | ${cell(t.eventsCpuMs, x?.eventsCpu)} | ` +
        `${cell(t.membersSequentialMs, x?.membersSequential)} | ${
          cell(t.membersPipelinedMs, x?.membersPipelined)
        } | ${cell(t.membersCpuMs, x?.membersCpu)} |`,
    );
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------- the swarm helper process

/**
 * Hosts `size` serfts nodes in this process on loopback, each joined to the
 * first, and prints `swarm ready <addr>` once the first knows them all. Probe,
 * gossip and push/pull run far slower than the LAN profile so the swarm costs
 * little CPU while the agents under test are measured.
 */
async function runSwarm(size: number): Promise<void> {
  const logger = new Logger({ level: "ERR", sink: (l) => console.error(l) });
  const nodes: Serf[] = [];
  for (let i = 0; i < size; i++) {
    const transport = await listenTransport({ host: "127.0.0.1", port: 0, logger });
    const serf = await Serf.create({
      nodeName: `swarm-${String(i).padStart(3, "0")}`,
      tags: { role: "swarm", dc: "bench", rack: `r${i % 8}` },
      memberlist: {
        ...defaultLanConfig(),
        bindAddr: "127.0.0.1",
        bindPort: transport.localAddress.port,
        transport,
        logger,
        probeIntervalMs: 10_000,
        probeTimeoutMs: 3_000,
        gossipIntervalMs: 1_000,
        pushPullIntervalMs: 300_000,
        tcpTimeoutMs: 30_000,
      },
      reapIntervalMs: 60_000,
    });
    (async () => {
      for await (const _ of serf.events) { /* drain */ }
    })().catch(() => {});
    nodes.push(serf);
    if (i === 0) continue;
    for (let attempt = 1;; attempt++) {
      try {
        await serf.join([`127.0.0.1:${nodes[0]!.memberlist.advertiseAddress.port}`]);
        break;
      } catch (err) {
        if (attempt === 5) throw err; // a busy machine can stall a push/pull; give up after a few
      }
    }
  }
  const seed = `127.0.0.1:${nodes[0]!.memberlist.advertiseAddress.port}`;
  while (nodes[0]!.allMembers().length < size) await sleep(100);
  console.log(`swarm ready ${seed}`);
  await new Promise(() => {}); // until killed
}

if (import.meta.main) {
  const args = Deno.args;
  if (args[0] === "--swarm") {
    await runSwarm(Number(args[1]));
  } else {
    const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
    const num = (name: string) => flag(name) === undefined ? undefined : Number(flag(name));
    const result = await benchRpc({
      rounds: num("rounds"),
      events: num("events"),
      memberCount: num("members"),
      membersSequential: num("members-sequential"),
      membersPipelined: num("members-pipelined"),
      serftsBin: args.includes("--no-binary") ? null : flag("serfts-bin"),
      includeDeno: !args.includes("--no-deno"),
      extraTargets: [
        ...(flag("before-bin") ? [{ name: "before", bin: flag("before-bin") }] : []),
        ...(flag("before-tree") ? [{ name: "before-deno", tree: flag("before-tree") }] : []),
      ],
    });
    console.log(formatRpcResult(result));
    if (args.includes("--json")) console.log(JSON.stringify(result));
  }
}
