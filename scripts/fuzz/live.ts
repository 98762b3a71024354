/**
 * Live fuzz: a real agent (serfts, and for comparison the real serf) in a
 * two-agent cluster on loopback takes random and mutated inputs on its gossip
 * UDP port, gossip TCP port and RPC port. Before and after, it records the
 * member list, the Lamport clocks (`info`) and resident memory; afterwards the
 * agent must still answer, see the same members with the same clocks, and its
 * memory must be within 10% of before (after a settle).
 *
 * Run: `deno task fuzz --live [--inputs=N] [--seed=S] [--warmup=N] [--kinds=serfts,serf]
 * [--runtime=auto|binary|deno] [--channels=udp,tcp,rpc] [--json=PATH]`
 *
 * @module
 */
import { answers, type LiveAgent, rssKiB, startLiveAgent, withClient } from "./live_agent.ts";
import { type Channel, CHANNEL_SHARE, liveInputs } from "./live_inputs.ts";
import type { AgentKind, SerftsRuntime } from "./live_agent.ts";

/** Options of one live-fuzz run. */
export interface LiveFuzzOptions {
  /** Inputs in all, split across the channels by {@linkcode CHANNEL_SHARE}. @default {100000} */
  inputs: number;
  /** @default the current time */
  seed: number;
  /** Inputs sent before memory is first measured, so start-up growth (JIT, caches) is not counted. @default {2000} */
  warmup: number;
  /** Longest wait for memory to settle after the run. @default {20000} */
  settleMs: number;
  /** The real serf, for kind "serf". @default "/usr/bin/serf" */
  serfPath: string;
  /** How serfts runs. @default "auto": dist/serfts when built, else `deno run cli.ts` */
  runtime: SerftsRuntime;
  /** Channels to fuzz (others get no inputs). @default all three */
  channels: Channel[];
}

/** What a run measured. */
export interface LiveFuzzResult {
  kind: AgentKind;
  /** Inputs sent per channel, and in all (warm-up included). */
  sent: Record<Channel, number> & { total: number };
  /** Sends the OS refused (e.g. connection refused once the agent died). */
  sendErrors: number;
  /** Inputs sent when the agent was first seen dead; undefined when it survived. */
  crashedAfter?: number;
  answersAfter: boolean;
  /** Seconds from the last input until the agent answered RPC again (it may still be draining queued input). */
  answerDelaySeconds?: number;
  membersUnchanged: boolean;
  clocksUnchanged: boolean;
  clocksBefore?: Record<string, string>;
  clocksAfter?: Record<string, string>;
  rssStartKiB?: number;
  rssBeforeKiB?: number;
  rssAfterKiB?: number;
  /** Resident memory after every 10,000 inputs, in KiB: the slope tells a plateau from a leak. */
  rssTrailKiB: number[];
  /** (after - before) / before, in percent. */
  rssGrowthPct?: number;
  seconds: number;
  /** The tail of the agent's output when something went wrong. */
  outputTail?: string;
}

const DEFAULTS: LiveFuzzOptions = {
  inputs: 100_000,
  seed: 0,
  warmup: 2_000,
  settleMs: 20_000,
  serfPath: "/usr/bin/serf",
  channels: ["udp", "tcp", "rpc"],
  runtime: "auto",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lines around a Go panic or fatal error if there is one, else the output's tail. */
function crashExcerpt(output: string): string {
  const at = output.search(/^(panic: |fatal error: )/m);
  return at >= 0 ? output.slice(Math.max(0, at - 600), at + 1500) : output.slice(-3000);
}

/** Polls until the agent answers RPC (bounded); returns the seconds it took, or undefined. */
async function untilAnswering(agent: LiveAgent, maxMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs && agent.running()) {
    if (await answers(agent)) return (performance.now() - t0) / 1000;
    await sleep(500);
  }
  return undefined;
}

async function membersOf(agent: LiveAgent): Promise<string> {
  const members = await withClient(agent, (c) => c.members());
  return JSON.stringify(
    members.map((m) => [m.name, m.status, m.port, JSON.stringify(Object.entries(m.tags).sort())]).sort(),
  );
}

async function clocksOf(agent: LiveAgent): Promise<Record<string, string>> {
  const stats = await withClient(agent, (c) => c.stats());
  const serf = stats.serf ?? {};
  return {
    member_time: serf.member_time ?? "",
    event_time: serf.event_time ?? "",
    query_time: serf.query_time ?? "",
  };
}

/** Sends each input on its own connection; `concurrency` at a time. */
async function sendStreams(
  port: number,
  inputs: Iterable<Uint8Array>,
  concurrency: number,
  onSent: (ok: boolean) => boolean,
): Promise<void> {
  const it = inputs[Symbol.iterator]();
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const next = it.next();
      if (next.done) return;
      let ok = true;
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        try {
          await conn.write(next.value);
        } finally {
          conn.close();
        }
      } catch {
        ok = false;
      }
      if (!onSent(ok)) stop = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Sends datagrams in small batches, yielding between them so the agent's receive loop keeps up. */
async function sendDatagrams(
  port: number,
  inputs: Iterable<Uint8Array>,
  onSent: (ok: boolean) => boolean,
): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  try {
    let n = 0;
    for (const input of inputs) {
      let ok = true;
      try {
        await socket.send(input.length > 0 ? input : new Uint8Array([0xff]), to);
      } catch {
        ok = false;
      }
      if (!onSent(ok)) return;
      if (++n % 50 === 0) await sleep(2);
    }
  } finally {
    socket.close();
  }
}

/** Runs the live fuzz against one kind of agent. */
export async function liveFuzz(
  kind: AgentKind,
  options: Partial<LiveFuzzOptions> = {},
): Promise<LiveFuzzResult> {
  const o = { ...DEFAULTS, seed: Date.now() | 0, ...options };
  const started = performance.now();
  const suffix = Math.floor(Math.random() * 1e6);
  const target = await startLiveAgent(kind, `fuzz-target-${suffix}`, {
    serfPath: o.serfPath,
    runtime: o.runtime,
  });
  let peer: LiveAgent | undefined;
  const result: LiveFuzzResult = {
    kind,
    sent: { udp: 0, tcp: 0, rpc: 0, total: 0 },
    sendErrors: 0,
    rssTrailKiB: [],
    answersAfter: false,
    membersUnchanged: false,
    clocksUnchanged: false,
    seconds: 0,
  };
  try {
    peer = await startLiveAgent(kind, `fuzz-peer-${suffix}`, {
      serfPath: o.serfPath,
      runtime: o.runtime,
      join: `${target.bind.host}:${target.bind.port}`,
    });
    const bothSee = async () => (await membersOf(target)).includes(peer!.name);
    for (let i = 0; i < 50 && !(await bothSee()); i++) await sleep(200);
    await sleep(3_000);
    result.rssStartKiB = await rssKiB(target.pid);

    let checkEvery = 0;
    const trail: Promise<number | undefined>[] = [];
    const onSent = (channel: Channel) => (ok: boolean): boolean => {
      result.sent[channel]++;
      result.sent.total++;
      if (!ok) result.sendErrors++;
      if (result.sent.total % 10_000 === 0) trail.push(rssKiB(target.pid));
      if (++checkEvery % 500 === 0 && !target.running()) {
        result.crashedAfter ??= result.sent.total;
        return false;
      }
      return true;
    };
    const runInputs = async (count: number, seed: number) => {
      const share = o.channels.reduce((n, c) => n + CHANNEL_SHARE[c], 0);
      for (const channel of o.channels) {
        if (!target.running()) return;
        const n = Math.round(count * CHANNEL_SHARE[channel] / share);
        const inputs = liveInputs(channel, n, seed);
        if (channel === "udp") await sendDatagrams(target.bind.port, inputs, onSent(channel));
        else {
          const port = channel === "tcp" ? target.bind.port : Number(target.rpc.split(":")[1]);
          await sendStreams(port, inputs, 4, onSent(channel));
        }
      }
    };

    const warmup = Math.min(o.warmup, Math.floor(o.inputs / 10));
    await runInputs(warmup, o.seed ^ 0x5eed);
    if (await untilAnswering(target, 60_000) === undefined) {
      if (!target.running()) result.crashedAfter ??= result.sent.total;
      result.outputTail = crashExcerpt(target.output());
      return result;
    }
    await sleep(2_000);
    const membersBefore = await membersOf(target);
    result.clocksBefore = await clocksOf(target);
    result.rssBeforeKiB = await rssKiB(target.pid);

    await runInputs(o.inputs - warmup, o.seed);
    if (!target.running()) result.crashedAfter ??= result.sent.total;
    result.answerDelaySeconds = await untilAnswering(target, 60_000);

    // Let queued work drain and the collector run; take the lowest reading of the last few.
    const samples: number[] = [];
    const settleEnd = Date.now() + o.settleMs;
    while (Date.now() < settleEnd && target.running()) {
      await sleep(1_000);
      const rss = await rssKiB(target.pid);
      if (rss !== undefined) samples.push(rss);
      const recent = samples.slice(-5);
      if (recent.length === 5 && Math.max(...recent) - Math.min(...recent) < 0.01 * Math.max(...recent)) {
        break;
      }
    }
    result.rssTrailKiB = (await Promise.all(trail)).map((k) => k ?? 0);
    result.answersAfter = target.running() && await answers(target);
    if (result.answersAfter) {
      result.membersUnchanged = (await membersOf(target)) === membersBefore;
      result.clocksAfter = await clocksOf(target);
      result.clocksUnchanged = JSON.stringify(result.clocksAfter) === JSON.stringify(result.clocksBefore);
      result.rssAfterKiB = samples.length > 0 ? Math.min(...samples.slice(-5)) : undefined;
      if (result.rssBeforeKiB && result.rssAfterKiB) {
        result.rssGrowthPct = 100 * (result.rssAfterKiB - result.rssBeforeKiB) / result.rssBeforeKiB;
      }
    }
    if (!result.answersAfter || !result.membersUnchanged || !result.clocksUnchanged) {
      result.outputTail = crashExcerpt(target.output());
    }
  } finally {
    await peer?.stop();
    await target.stop();
    result.seconds = (performance.now() - started) / 1000;
  }
  return result;
}

/** True when a run meets the bar: alive, same members and clocks, memory within 10%. */
export function livePassed(r: LiveFuzzResult): boolean {
  return r.crashedAfter === undefined && r.answersAfter && r.membersUnchanged && r.clocksUnchanged &&
    r.rssGrowthPct !== undefined && r.rssGrowthPct <= 10;
}

/** One human-readable paragraph of figures. */
export function describeLive(r: LiveFuzzResult): string {
  const mib = (k?: number) => k === undefined ? "?" : `${(k / 1024).toFixed(1)} MiB`;
  const lines = [
    `${r.kind}: ${r.sent.total} inputs (udp ${r.sent.udp}, tcp ${r.sent.tcp}, rpc ${r.sent.rpc}), ` +
    `${r.sendErrors} refused sends, ${r.seconds.toFixed(0)} s`,
    r.crashedAfter !== undefined ? `  CRASHED after ${r.crashedAfter} inputs` : "  survived",
    `  answers after: ${r.answersAfter} (within ${
      r.answerDelaySeconds?.toFixed(1) ?? "?"
    } s); members unchanged: ${r.membersUnchanged}; ` +
    `clocks unchanged: ${r.clocksUnchanged} ${JSON.stringify(r.clocksAfter ?? {})}`,
    `  RSS: start ${mib(r.rssStartKiB)}, before ${mib(r.rssBeforeKiB)}, after ${mib(r.rssAfterKiB)} ` +
    `(${r.rssGrowthPct === undefined ? "?" : r.rssGrowthPct.toFixed(1)}%); every 10,000 inputs: ` +
    r.rssTrailKiB.map((k) => (k / 1024).toFixed(0)).join(" "),
    `  verdict: ${livePassed(r) ? "PASS" : "FAIL"}`,
  ];
  if (r.outputTail) lines.push(`  output:\n${r.outputTail.split("\n").slice(0, 25).join("\n")}`);
  return lines.join("\n");
}

/** `deno task fuzz --live` entry point; returns the exit code (1 when serfts fails the bar). */
export async function runLiveFuzz(args: string[]): Promise<number> {
  const options: Partial<LiveFuzzOptions> = {};
  let kinds: AgentKind[] = ["serfts", "serf"];
  let json: string | undefined;
  for (const arg of args) {
    const [key, value = ""] = arg.replace(/^--?/, "").split(/=(.*)/s);
    if (key === "inputs") options.inputs = Number(value);
    else if (key === "seed") options.seed = Number(value);
    else if (key === "warmup") options.warmup = Number(value);
    else if (key === "serf") options.serfPath = value;
    else if (key === "kinds") kinds = value.split(",") as AgentKind[];
    else if (key === "json") json = value;
    else if (key === "runtime") options.runtime = value as SerftsRuntime;
    else if (key === "channels") options.channels = value.split(",") as Channel[];
    else {throw new Error(
        `Unknown option --${key}: use --inputs, --seed, --warmup, --serf, --kinds, --runtime, --channels or --json`,
      );}
  }
  const results: LiveFuzzResult[] = [];
  for (const kind of kinds) {
    console.log(`live fuzz: ${kind}, ${options.inputs ?? DEFAULTS.inputs} inputs ...`);
    const r = await liveFuzz(kind, options);
    results.push(r);
    console.log(describeLive(r));
  }
  if (json) await Deno.writeTextFile(json, JSON.stringify(results, null, 2) + "\n");
  const serfts = results.find((r) => r.kind === "serfts");
  return serfts && !livePassed(serfts) ? 1 : 0;
}

if (import.meta.main) Deno.exit(await runLiveFuzz(Deno.args));
