/**
 * Runs one event handler the way `serf agent` does: `/bin/sh -c <script>`,
 * the event described in `SERF_*` environment variables and on stdin, stdout
 * and stderr captured together (the last 8 KiB kept) and logged, and a query
 * handler's output sent back as the query's response.
 *
 * Node names, tags and payloads only ever travel in the environment and on
 * stdin, never on the shell command line, so cluster data cannot inject
 * shell syntax. Unlike Serf, every run is bounded: a query handler is killed
 * at the query's deadline (its answer would be refused after it anyway),
 * other handlers after `timeoutMs`.
 *
 * @module
 */
import type { Logger } from "../util/log.ts";
import type { Platform, ProcessExit } from "../platform/platform.ts";
import type { Member, SerfEvent } from "../serf/types.ts";
import { formatGoDuration } from "../util/duration.ts";
import { describeEvent } from "./event_handler.ts";

/** Output kept per run, as Serf keeps: a faulty handler cannot grow our memory. */
export const MAX_OUTPUT_BYTES = 8 * 1024;
/** A run taking longer than this is reported as slow (and keeps running). */
export const WARN_SLOW_MS = 1_000;
/** Floor of a query handler's time budget, so a query that arrives late still gets to run. */
export const MIN_QUERY_HANDLER_MS = 1_000;

/** What a handler run needs from its surroundings. */
export interface InvokeOptions {
  platform: Pick<Platform, "spawn" | "environ">;
  /** Logger with the `agent` subsystem. */
  logger: Logger;
  /** Bound for non-query handlers. */
  timeoutMs: number;
  /** The monotonic clock query deadlines are expressed in. @default performance.now */
  now?: () => number;
  /** Timer used for the slow warning and the timeout. @default setTimeout */
  setTimer?: (ms: number, fn: () => void) => { cancel(): void };
  /** Kills the run when aborted (agent shutdown). */
  signal?: AbortSignal;
}

/**
 * Runs `script` for `event` and waits for it to finish.
 * @throws {Error} Serf's wording of a failed run (`exit status 3`, `signal: killed`)
 * or the reason it could not start
 */
export async function invokeEventScript(
  script: string,
  self: Member,
  event: SerfEvent,
  options: InvokeOptions,
): Promise<void> {
  const log = options.logger;
  const now = options.now ?? (() => performance.now());
  const setTimer = options.setTimer ?? defaultTimer;
  const output = new CircularBuffer(MAX_OUTPUT_BYTES);
  const env = { ...options.platform.environ(), ...handlerEnvironment(self, event) };
  const budget = event.type === "query"
    ? Math.max(event.deadline - now(), MIN_QUERY_HANDLER_MS)
    : options.timeoutMs;
  // sh -c keeps Serf's semantics; `exec 2>&1` makes stderr share stdout's pipe, as Go's
  // exec.Cmd does when both go to one writer, so their interleaving is preserved.
  const child = options.platform.spawn(["/bin/sh", "-c", `exec 2>&1; ${script}`], {
    env,
    stdin: handlerStdin(event),
    onOutput: (chunk) => output.write(chunk),
    onStdinError: (err) => {
      // Serf reports failed payload writes; a member list the handler ignores is not an error.
      if (event.type === "user" || event.type === "query") {
        log.error(`Error writing payload: ${(err as Error).message ?? err}`);
      }
    },
  });
  const slow = setTimer(WARN_SLOW_MS, () => {
    log.warn(`Script '${script}' slow, execution exceeding ${formatGoDuration(WARN_SLOW_MS)}`);
  });
  const deadline = setTimer(budget, () => {
    log.warn(`Script '${script}' did not finish within ${formatGoDuration(budget)}, killing it`);
    child.kill();
  });
  const abort = () => child.kill();
  options.signal?.addEventListener("abort", abort);
  if (options.signal?.aborted) abort();
  let exit: ProcessExit;
  try {
    exit = await child.exited;
  } finally {
    slow.cancel();
    deadline.cancel();
    options.signal?.removeEventListener("abort", abort);
  }
  if (output.totalWritten > output.size) {
    log.warn(
      `Script '${script}' generated ${output.totalWritten} bytes of output, truncated to ${output.size}`,
    );
  }
  const text = new TextDecoder().decode(output.bytes());
  log.debug(`Event '${eventTypeName(event)}' script output: ${text}`);
  if (exit.signal || exit.code !== 0) throw new Error(goExitText(exit));
  if (event.type === "query" && output.totalWritten > 0) {
    try {
      event.respond(output.bytes());
    } catch (err) {
      log.warn(`Failed to respond to query '${describeEvent(event)}': ${(err as Error).message}`);
    }
  }
}

/** `SERF_EVENT`, `SERF_SELF_*`, `SERF_TAG_*` and the event's own variables. */
export function handlerEnvironment(self: Member, event: SerfEvent): Record<string, string> {
  const env: Record<string, string> = {
    SERF_EVENT: eventTypeName(event),
    SERF_SELF_NAME: self.name,
    SERF_SELF_ROLE: self.tags.role ?? "",
  };
  // Sorted so two tags that sanitise to one name resolve the same way every time.
  for (const name of Object.keys(self.tags).sort()) {
    env[`SERF_TAG_${sanitizeTagName(name)}`] = self.tags[name]!;
  }
  if (event.type === "user") {
    env.SERF_USER_EVENT = event.name;
    env.SERF_USER_LTIME = String(event.lTime);
  } else if (event.type === "query") {
    env.SERF_QUERY_NAME = event.name;
    env.SERF_QUERY_LTIME = String(event.lTime);
  }
  return env;
}

/**
 * A tag name as an environment variable suffix: upper-cased, and every
 * character outside `[A-Z0-9_]` replaced by `_` (Serf's rule).
 */
export function sanitizeTagName(name: string): string {
  let out = "";
  for (const ch of name) {
    // Go upper-cases one code point at a time; ß stays ß (and so becomes `_`), not "SS".
    const up = ch.toUpperCase();
    const c = [...up].length === 1 ? up : ch;
    out += /^[A-Z0-9_]$/.test(c) ? c : "_";
  }
  return out;
}

/**
 * stdin for a handler: for member events one line per member,
 * `name\taddr\trole\ttags` with tags as `k=v` joined by commas (sorted by key;
 * Serf's order is random) and tabs/newlines in text escaped; for user events
 * and queries the payload, with a newline added when missing so `read` works.
 */
export function handlerStdin(event: SerfEvent): Uint8Array {
  if (event.type === "user" || event.type === "query") {
    const p = event.payload;
    if (p.length === 0 || p[p.length - 1] === 0x0a) return p;
    const out = new Uint8Array(p.length + 1);
    out.set(p);
    out[p.length] = 0x0a;
    return out;
  }
  const lines = event.members.map((m) => {
    const tags = Object.keys(m.tags).sort().map((k) => `${k}=${m.tags[k]}`).join(",");
    return `${clean(m.name)}\t${m.addr}\t${clean(m.tags.role ?? "")}\t${clean(tags)}\n`;
  });
  return new TextEncoder().encode(lines.join(""));
}

/** The event type as handlers see it in `SERF_EVENT`. */
export function eventTypeName(event: SerfEvent): string {
  return event.type;
}

function clean(v: string): string {
  return v.replaceAll("\t", "\\t").replaceAll("\n", "\\n");
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGQUIT: "quit",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGPIPE: "broken pipe",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGUSR1: "user defined signal 1",
  SIGUSR2: "user defined signal 2",
};

/** Go's `*exec.ExitError` text. */
function goExitText(exit: ProcessExit): string {
  if (exit.signal) return `signal: ${SIGNAL_TEXT[exit.signal] ?? exit.signal}`;
  return `exit status ${exit.code}`;
}

function defaultTimer(ms: number, fn: () => void): { cancel(): void } {
  const t = setTimeout(fn, ms);
  return { cancel: () => clearTimeout(t) };
}

/** Keeps the last `size` bytes written and counts them all (logical byte i lives at i % size). */
export class CircularBuffer {
  readonly size: number;
  totalWritten = 0;
  #buf: Uint8Array;

  constructor(size: number) {
    this.size = size;
    this.#buf = new Uint8Array(size);
  }

  write(chunk: Uint8Array): void {
    const kept = Math.min(chunk.length, this.size);
    const data = chunk.subarray(chunk.length - kept);
    const pos = (this.totalWritten + chunk.length - kept) % this.size;
    const first = Math.min(kept, this.size - pos);
    this.#buf.set(data.subarray(0, first), pos);
    this.#buf.set(data.subarray(first), 0);
    this.totalWritten += chunk.length;
  }

  /** The kept bytes, oldest first. */
  bytes(): Uint8Array {
    if (this.totalWritten <= this.size) return this.#buf.slice(0, this.totalWritten);
    const pos = this.totalWritten % this.size;
    const out = new Uint8Array(this.size);
    out.set(this.#buf.subarray(pos));
    out.set(this.#buf.subarray(0, pos), this.size - pos);
    return out;
  }
}
