/**
 * One agent process (serf or serfts) on loopback, as the suite drives it: its
 * log lines are timestamped as they arrive so that the first
 * `serf: EventMemberJoin: x` / `EventMemberFailed: x` line of each peer gives
 * the moment this agent learnt about it (Serf logs these before coalescing
 * member events for handlers); an RPC client is opened on demand.
 */
import { RpcClient } from "../../lib/rpc/client.ts";
import { commandLine, type Kind, type Runner } from "./kinds.ts";
import { sleep } from "./stats.ts";

const handedOut = new Set<number>();

/**
 * A port on 127.0.0.1 free for both TCP and UDP right now and not handed out
 * before in this run (bind, read, release; best effort: the machine is shared,
 * so {@linkcode startReady} retries an agent that could not bind).
 */
export function freePort(): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    if (handedOut.has(port)) continue;
    try {
      Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
    } catch {
      continue;
    }
    handedOut.add(port);
    return port;
  }
  throw new Error("Cannot find a free port on 127.0.0.1: 50 attempts failed");
}

/**
 * Starts an agent and waits until it answers RPC; an agent that exits first
 * (a port taken meanwhile by another process) is started again on new ports,
 * at most `attempts` times in all.
 * @returns the ready agent, or undefined (all attempts stopped) when none became ready; never throws
 */
export async function startReady(
  runner: Runner,
  name: string,
  options: AgentOptions = {},
  attempts = 3,
): Promise<{ agent: BenchAgent; readyMs: number } | undefined> {
  for (let i = 0; i < attempts; i++) {
    let agent: BenchAgent;
    try {
      agent = BenchAgent.start(runner, name, options);
    } catch (err) {
      // Never throw: callers start many agents with Promise.all and must get every started one back to stop it.
      console.log(`bench: cannot start agent ${name}: ${err instanceof Error ? err.message : err}`);
      continue;
    }
    const readyMs = await agent.waitReady(90_000);
    if (Number.isFinite(readyMs)) return { agent, readyMs };
    await agent.stop();
    const reason = agent.log.split("\n").find((l) => /Failed|rror/.test(l))?.trim() ?? "no output";
    console.log(`bench: agent ${name} did not become ready (attempt ${i + 1} of ${attempts}): ${reason}`);
  }
  return undefined;
}

/** Options for {@linkcode BenchAgent.start}. */
export interface AgentOptions {
  /** `-event-handler` value, e.g. `user,query=/tmp/h.sh`. @default {undefined} (none) */
  eventHandler?: string;
  /** Environment for the agent (and so its handlers). @default {{}} */
  env?: Record<string, string>;
  /** More `agent` flags (`-tags-file=...`, `-snapshot=...`). @default {[]} */
  extraArgs?: string[];
}

/** A running agent process; always `stop()` it. */
export class BenchAgent {
  readonly name: string;
  readonly kind: Kind;
  readonly bindPort: number;
  readonly rpcAddr: string;
  /** `performance.now()` just before the process was spawned. */
  readonly spawnedAt: number;
  /** Peer name -> `performance.now()` when this agent logged its EventMemberJoin. */
  readonly joinSeen = new Map<string, number>();
  /** Peer name -> every `performance.now()` at which this agent logged EventMemberFailed for it. */
  readonly failedSeen = new Map<string, number[]>();
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<unknown>;
  #log = "";
  /** Patterns whose matching lines are counted, even past the 4 MB the log keeps. */
  readonly #watches: { pattern: RegExp; count: number }[] = [];
  #client?: Promise<RpcClient>;
  #exited = false;
  /** Every agent not yet stopped, so an interrupted run can kill them (see {@linkcode BenchAgent.stopAll}). */
  static readonly #live = new Set<BenchAgent>();

  private constructor(runner: Runner, name: string, options: AgentOptions) {
    this.name = name;
    this.kind = runner.kind;
    this.bindPort = freePort();
    this.rpcAddr = `127.0.0.1:${freePort()}`;
    const args = ["agent", `-node=${name}`, `-bind=127.0.0.1:${this.bindPort}`, `-rpc-addr=${this.rpcAddr}`];
    if (options.eventHandler) args.push(`-event-handler=${options.eventHandler}`);
    args.push(...options.extraArgs ?? []);
    const [program, argv] = commandLine(runner, args);
    this.spawnedAt = performance.now();
    this.#child = new Deno.Command(program, {
      args: argv,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const status = this.#child.status.then(() => this.#exited = true);
    this.#done = Promise.all([status, this.#pump(this.#child.stdout), this.#pump(this.#child.stderr)]);
    BenchAgent.#live.add(this);
  }

  /** Stops every agent still running (for an interrupted run). */
  static async stopAll(): Promise<void> {
    await Promise.all([...BenchAgent.#live].map((a) => a.stop()));
  }

  /** Spawns `<runner> agent -node=name -bind=... -rpc-addr=...` (no join). */
  static start(runner: Runner, name: string, options: AgentOptions = {}): BenchAgent {
    return new BenchAgent(runner, name, options);
  }

  /** The process id (the agent itself: the compiled binary, serf, or the `deno run` process). */
  get pid(): number {
    return this.#child.pid;
  }

  /** True once the process ended. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Everything the agent printed so far. */
  get log(): string {
    return this.#log;
  }

  /**
   * Polls the RPC address every 5 ms until a `members` call is answered.
   * @returns milliseconds from spawn to that answer, or NaN after `maxMs`
   */
  async waitReady(maxMs: number): Promise<number> {
    const end = performance.now() + maxMs;
    while (performance.now() < end && !this.#exited) {
      try {
        const client = await RpcClient.connect(this.rpcAddr, { timeoutMs: 2_000 });
        try {
          await client.members();
          return performance.now() - this.spawnedAt;
        } finally {
          client.close();
        }
      } catch {
        await sleep(5);
      }
    }
    return NaN;
  }

  /** A shared RPC client for this agent (connected on first use, closed by `stop`). */
  client(): Promise<RpcClient> {
    this.#client ??= RpcClient.connect(this.rpcAddr, { timeoutMs: 10_000 });
    return this.#client;
  }

  /**
   * When this agent first logged `name` as failed at or after `since` (a
   * loaded cluster may have flagged it falsely before), or undefined.
   */
  failedAfter(name: string, since: number): number | undefined {
    return this.failedSeen.get(name)?.find((t) => t >= since);
  }

  /**
   * Sends `signal` (SIGINT: leave gracefully) and waits at most `maxMs` for the
   * process to end; one still running then is killed.
   * @returns the exit code and how long the exit took, or undefined when it had to be killed
   */
  async terminate(signal: Deno.Signal, maxMs: number): Promise<{ code: number; ms: number } | undefined> {
    if (this.#client) await this.#client.then((c) => c.close(), () => {});
    this.#client = undefined;
    const started = performance.now();
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), maxMs));
    const status = await Promise.race([this.#child.status, timeout]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    await this.stop();
    return status ? { code: status.code, ms } : undefined;
  }

  /** Sends SIGKILL (no leave) and waits for the process and its output to end. */
  async stop(): Promise<void> {
    if (this.#client) {
      await this.#client.then((c) => c.close(), () => {});
    }
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.#done;
    BenchAgent.#live.delete(this);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const at = performance.now();
      const text = partial + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) this.#line(line, at);
      if (this.#log.length < 4_000_000) this.#log += text.slice(0, text.length - partial.length);
    }
  }

  /**
   * Counts the output lines matching `pattern` from now on (the kept log stops
   * growing at 4 MB; a flood of log lines passes that in seconds).
   * @returns a live counter
   */
  watch(pattern: RegExp): { readonly count: number } {
    const w = { pattern, count: 0 };
    this.#watches.push(w);
    return w;
  }

  #line(line: string, at: number): void {
    for (const w of this.#watches) if (w.pattern.test(line)) w.count++;
    const join = /serf: EventMemberJoin: (\S+)/.exec(line);
    if (join && !this.joinSeen.has(join[1]!)) this.joinSeen.set(join[1]!, at);
    const failed = /serf: EventMemberFailed: (\S+)/.exec(line);
    if (failed) this.failedSeen.set(failed[1]!, [...this.failedSeen.get(failed[1]!) ?? [], at]);
  }
}
