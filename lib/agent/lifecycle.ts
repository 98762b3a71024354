/**
 * The agent's life after start, as `serf agent` runs it: background
 * retry-joins, and the signal loop (SIGHUP reloads; SIGINT leaves gracefully
 * unless `skip_leave_on_interrupt`; SIGTERM leaves only with
 * `leave_on_terminate`; a graceful leave gets 3 s, and a second signal cuts it
 * short).
 *
 * @module
 */
import { AsyncQueue } from "../util/async.ts";
import { errorMessage } from "../util/errors.ts";
import type { AgentSignal, Platform } from "../platform/platform.ts";
import type { Agent } from "./agent.ts";
import { formatGoDuration } from "../util/duration.ts";

/** How long a graceful leave may take before the agent exits anyway. */
export const GRACEFUL_TIMEOUT_MS = 3_000;

/** Go's names for the signals, as `Caught signal: ...` prints them. */
const SIGNAL_NAMES: Record<AgentSignal, string> = {
  SIGINT: "interrupt",
  SIGTERM: "terminated",
  SIGHUP: "hangup",
};

/** Signals queued from the moment of listening, so none is lost between waits. */
export class SignalQueue {
  readonly queue: AsyncQueue<AgentSignal> = new AsyncQueue({ capacity: 4 });
  #removers: (() => void)[];

  constructor(platform: Pick<Platform, "onSignal">) {
    this.#removers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) =>
      platform.onSignal(s, () => this.queue.push(s))
    );
  }

  /** Restores the runtime's default signal behaviour. */
  close(): void {
    for (const off of this.#removers.splice(0)) off();
    this.queue.close();
  }
}

/**
 * Joins `config.retryJoin` until one join succeeds, waiting `retryIntervalMs`
 * between attempts.
 * @returns false when `retryMaxAttempts` (if > 0) attempts all failed, else true
 * (also when stopped through `signal`)
 */
export async function retryJoin(agent: Agent, signal: AbortSignal): Promise<boolean> {
  const c = agent.config;
  if (c.retryJoin.length === 0) return true;
  for (let attempt = 0; !signal.aborted;) {
    agent.log.info(`Joining cluster...(replay: ${c.replayOnJoin})`);
    try {
      const n = await agent.join(c.retryJoin, c.replayOnJoin);
      agent.log.info(`Join completed. Synced with ${n} initial agents`);
      return true;
    } catch (err) {
      if (signal.aborted) return true;
      attempt++;
      if (c.retryMaxAttempts > 0 && attempt > c.retryMaxAttempts) {
        agent.log.error("maximum retry join attempts made, exiting");
        return false;
      }
      agent.log.warn(`Join failed: ${errorMessage(err)}, retrying in ${formatGoDuration(c.retryIntervalMs)}`);
    }
    try {
      await agent.clock.sleep(c.retryIntervalMs, signal);
    } catch {
      return true;
    }
  }
  return true;
}

/** Options for {@linkcode waitForExit}. */
export interface ExitLoopOptions {
  signals: SignalQueue;
  /** Serf's `Ui.Output` (printed with `==> `). */
  output(text: string): void;
  /** Serf's `Ui.Error`. */
  error(text: string): void;
  /** Re-reads the config and applies it (SIGHUP). */
  reload(): Promise<void>;
  /** Resolves if background retry-joins gave up. */
  retryJoinFailed: Promise<void>;
  /** @default 3000 */
  gracefulTimeoutMs?: number;
}

/**
 * Waits for a reason to exit and leaves gracefully when the signal calls for
 * it. The caller shuts the agent down afterwards.
 * @returns the process exit code: 0 after a graceful leave or when Serf shut
 * itself down, 1 otherwise
 */
export async function waitForExit(agent: Agent, options: ExitLoopOptions): Promise<number> {
  const next = () => options.signals.queue.shift();
  for (;;) {
    const reason = await Promise.race([
      next().then((s) => ({ kind: "signal" as const, signal: s ?? "SIGINT" })),
      options.retryJoinFailed.then(() => ({ kind: "retry" as const })),
      agent.done.then(() => ({ kind: "done" as const })),
    ]);
    if (reason.kind === "retry") return 1;
    if (reason.kind === "done") return 0;
    const sig = reason.signal;
    options.output(`Caught signal: ${SIGNAL_NAMES[sig]}`);
    if (sig === "SIGHUP") {
      await options.reload();
      continue;
    }
    const c = agent.config;
    const graceful = (sig === "SIGINT" && !c.skipLeaveOnInt) || (sig === "SIGTERM" && c.leaveOnTerm);
    if (!graceful) return 1;
    options.output("Gracefully shutting down agent...");
    const left = agent.leave().then(
      () => true,
      (err) => {
        options.error(`Error: ${errorMessage(err)}`);
        return new Promise<boolean>(() => {}); // like Serf: only a signal or the timeout ends the wait now
      },
    );
    let timer: { cancel(): boolean } | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = agent.clock.setTimer(options.gracefulTimeoutMs ?? GRACEFUL_TIMEOUT_MS, () => r(false));
    });
    const ok = await Promise.race([left, timeout, next().then(() => false)]);
    timer?.cancel();
    return ok ? 0 : 1;
  }
}
