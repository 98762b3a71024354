/**
 * Starts scripts/browser/driver.ts (`deno run -A`, see there why) and sends it
 * commands: the dashboard's browser test and benchmark use this to steer a
 * headless Chromium. Every command has a bound; `close()` ends the browser and
 * the driver process, and is safe to call twice.
 *
 * @module
 */
import type { BrowserCommand, BrowserReply } from "./protocol.ts";

const DRIVER = new URL("./driver.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Why Chromium cannot run here, or undefined when it can. */
export async function chromiumMissing(): Promise<string | undefined> {
  const found = await Deno.stat(CHROMIUM_PATH).then(() => true, () => false);
  return found ? undefined : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
}

/** Defaults of {@linkcode BrowserClient.launch}. */
export const DEFAULT_BROWSER_OPTIONS: Readonly<BrowserOptions> = {
  width: 1400,
  height: 1000,
  commandTimeoutMs: 60_000,
};

/** Options of {@linkcode BrowserClient.launch}. */
export interface BrowserOptions {
  /** Viewport width in CSS pixels. @default {1400} */
  width: number;
  /** Viewport height in CSS pixels. @default {1000} */
  height: number;
  /**
   * Longest wait for any one answer, on top of the command's own timeout;
   * covers Chromium's start on a loaded 2-core machine.
   * @default {60000}
   */
  commandTimeoutMs: number;
}

/** A headless Chromium page behind a driver process. */
export class BrowserClient {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #pending = new Map<number, (r: BrowserReply) => void>();
  #nextId = 1;
  #stderr = "";
  #closed = false;
  #options: BrowserOptions;
  #reading: Promise<void>;

  private constructor(options: BrowserOptions) {
    this.#options = options;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", DRIVER, String(options.width), String(options.height)],
      cwd: ROOT,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reading = this.#read();
    void (async () => {
      for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) {
        if (this.#stderr.length < 64 * 1024) this.#stderr += c;
      }
    })();
  }

  /** Starts the driver and waits until its browser is up. */
  static async launch(options: Partial<BrowserOptions> = {}): Promise<BrowserClient> {
    const client = new BrowserClient({ ...DEFAULT_BROWSER_OPTIONS, ...options });
    try {
      await client.#await(0, client.#options.commandTimeoutMs);
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** Runs one command and returns its value; throws the driver's error text. */
  async send(cmd: BrowserCommand): Promise<unknown> {
    if (this.#closed) throw new Error("Cannot use the browser: it is closed");
    const id = this.#nextId++;
    const answer = this.#await(id, this.#options.commandTimeoutMs + ("timeoutMs" in cmd ? cmd.timeoutMs : 0));
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ ...cmd, id }) + "\n"));
    return await answer;
  }

  /** Waits for `selector` (optionally containing `hasText`, the `nth` match) to show up. */
  async wait(
    selector: string,
    timeoutMs: number,
    extra: { hasText?: string; nth?: number } = {},
  ): Promise<void> {
    await this.send({ op: "wait", selector, timeoutMs, ...extra });
  }

  /** The text of the first element matching `selector`, or "" when there is none. */
  async text(selector: string): Promise<string> {
    return String(await this.send({ op: "text", selector }) ?? "");
  }

  /** Elements matching `selector` now. */
  async count(selector: string): Promise<number> {
    return Number(await this.send({ op: "count", selector }));
  }

  /** Performance API measures named `name`, in milliseconds. */
  async measures(name: string): Promise<number[]> {
    return await this.send({ op: "measures", name }) as number[];
  }

  /** Page errors and console errors seen so far. */
  async problems(): Promise<string[]> {
    return await this.send({ op: "problems" }) as string[];
  }

  /** Ends the browser (removing its profile) and the driver; bounded, then killed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const id = this.#nextId++;
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ op: "close", id }) + "\n")).catch(
      () => {},
    );
    await this.#writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, 15_000);
    await this.#child.status;
    clearTimeout(timer);
    await this.#reading;
  }

  #await(id: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`Browser driver gave no answer within ${timeoutMs} ms:\n${this.#stderr}`));
      }, timeoutMs);
      this.#pending.set(id, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve(r.value);
        else reject(new Error(r.error));
      });
    });
  }

  async #read(): Promise<void> {
    let buffered = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let reply: BrowserReply;
        try {
          reply = JSON.parse(line) as BrowserReply;
        } catch {
          continue; // not ours (a stray log line)
        }
        this.#pending.get(reply.id)?.(reply);
        this.#pending.delete(reply.id);
      }
    }
    for (const [id, settle] of this.#pending) {
      settle({ id, ok: false, error: `Browser driver exited:\n${this.#stderr}` });
    }
    this.#pending.clear();
  }
}
