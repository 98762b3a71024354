/**
 * The agent's syslog sink (`-syslog`, `enable_syslog`): subscribes to the
 * agent's log lines like the console does and sends each one to the local
 * syslog daemon's socket, as Serf 0.9.4 does through go-syslog.
 *
 * What the operator can count on: the socket is found the way go-syslog finds
 * it (datagram sockets first, then stream sockets, each over `/dev/log`,
 * `/var/run/syslog`, `/var/run/log`); a failed send redials once and retries;
 * and a daemon that is missing, slow or gone never blocks or stops the agent:
 * lines wait in a bounded queue and are dropped (and counted) when it is full.
 *
 * @module
 */
import type { UnixLogSocket, UnixSocketType } from "../platform/platform.ts";
import { formatSyslogLine, SYSLOG_TAG, syslogMessage } from "./syslog_format.ts";

/** Where go-syslog looks for the local daemon, in order. */
export const DEFAULT_SYSLOG_PATHS: readonly string[] = ["/dev/log", "/var/run/syslog", "/var/run/log"];

/** go-syslog's error when no socket answers; the agent prints it after "Syslog setup failed: ". */
export const NO_SYSLOG_ERROR = "Unix syslog delivery error";

/** Connects to a local socket (the platform's `dialUnix`). */
export type UnixDialer = (path: string, type: UnixSocketType) => Promise<UnixLogSocket>;

/** Options for {@linkcode SyslogWriter.open}. */
export interface SyslogWriterOptions {
  /** How sockets are opened (the platform's `dialUnix`). */
  dial: UnixDialer;
  /** Facility code (see `parseSyslogFacility`). */
  facility: number;
  /** This process's id, written into every line. */
  pid: number;
  /** Socket paths tried in order. @default DEFAULT_SYSLOG_PATHS */
  paths?: readonly string[];
  /** The program name in each line. @default "serf" (Serf's tag, so existing syslog filters match) */
  tag?: string;
  /** Wall clock in milliseconds. @default Date.now */
  now?: () => number;
  /** Lines held while the daemon is slow; beyond this, new lines are dropped. @default 1024 */
  maxQueued?: number;
  /** How long one send may take before the socket is abandoned and redialed (go-syslog waits 20 ms). @default 1000 */
  sendTimeoutMs?: number;
}

/**
 * Finds the local syslog daemon the way go-syslog does: each path as a
 * datagram socket, then each path as a stream socket.
 * @throws {Error} {@linkcode NO_SYSLOG_ERROR} when none answers
 */
export async function dialSyslog(dial: UnixDialer, paths: readonly string[]): Promise<UnixLogSocket> {
  for (const type of ["unixgram", "unix"] as const) {
    for (const path of paths) {
      try {
        return await dial(path, type);
      } catch {
        // go-syslog moves on to the next candidate without saying why
      }
    }
  }
  throw new Error(NO_SYSLOG_ERROR);
}

const encoder = new TextEncoder();

/** Sends the agent's log lines to syslog; {@linkcode write} is a `LogWriter` subscriber. */
export class SyslogWriter {
  #options: Required<SyslogWriterOptions>;
  #socket: UnixLogSocket | undefined;
  #queue: string[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;
  #dropped = 0;

  private constructor(options: Required<SyslogWriterOptions>, socket: UnixLogSocket) {
    this.#options = options;
    this.#socket = socket;
  }

  /**
   * Connects to the daemon, as Serf does once at start.
   * @throws {Error} {@linkcode NO_SYSLOG_ERROR} when no socket answers
   */
  static async open(options: SyslogWriterOptions): Promise<SyslogWriter> {
    const full: Required<SyslogWriterOptions> = {
      paths: DEFAULT_SYSLOG_PATHS,
      tag: SYSLOG_TAG,
      now: Date.now,
      maxQueued: 1024,
      sendTimeoutMs: 1_000,
      ...options,
    };
    return new SyslogWriter(full, await dialSyslog(full.dial, full.paths));
  }

  /** The socket in use, if connected (for logs and tests). */
  get socket(): UnixLogSocket | undefined {
    return this.#socket;
  }

  /** Lines dropped because the daemon could not take them. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues one log line (without its newline); never blocks or throws. */
  readonly write = (line: string): void => {
    if (this.#closed) return;
    if (this.#queue.length >= this.#options.maxQueued) {
      this.#dropped++;
      return;
    }
    const { severity, message } = syslogMessage(line);
    const o = this.#options;
    const text = formatSyslogLine({
      facility: o.facility,
      severity,
      timeMs: o.now(),
      tag: o.tag,
      pid: o.pid,
      message,
    });
    this.#queue.push(text);
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  };

  /** Stops taking lines, gives queued ones `graceMs` to go out, then closes the socket. */
  async close(graceMs = 1_000): Promise<void> {
    this.#closed = true;
    if (this.#draining) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#draining, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.#queue.length = 0;
    this.#socket?.close();
    this.#socket = undefined;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    for (let text = this.#queue.shift(); text !== undefined; text = this.#queue.shift()) {
      const data = encoder.encode(text);
      if (await this.#send(data)) continue;
      // go-syslog: on a failed write, redial and try the line once more.
      if (!this.#closed) {
        this.#socket = await dialSyslog(this.#options.dial, this.#options.paths).catch(() => undefined);
      }
      if (!(await this.#send(data))) this.#dropped++;
    }
    if (this.#closed) {
      // close() may have run while a redial was under way.
      this.#socket?.close();
      this.#socket = undefined;
    }
  }

  /** Sends on the current socket within the timeout; false (socket abandoned) on failure. */
  async #send(data: Uint8Array): Promise<boolean> {
    const socket = this.#socket;
    if (!socket) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#options.sendTimeoutMs);
    });
    try {
      const ok = await Promise.race([socket.send(data).then(() => true, () => false), timedOut]);
      if (!ok && this.#socket === socket) {
        socket.close();
        this.#socket = undefined;
      }
      return ok;
    } finally {
      clearTimeout(timer);
    }
  }
}
