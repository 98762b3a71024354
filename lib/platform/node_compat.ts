/**
 * The {@linkcode Platform} for runtimes without the `Deno` namespace (Bun),
 * through the `node:` modules both runtimes implement. Each module loads on
 * first use (see {@linkcode lazyBuiltin}): an agent that spawns no handler,
 * reads no file and resolves no name never loads the module for it.
 *
 * @module
 */
import type * as NodeChildProcess from "node:child_process";
import type * as NodeDns from "node:dns/promises";
import type * as NodeFs from "node:fs";
import type * as NodeNet from "node:net";
import type * as NodeOs from "node:os";
import process from "node:process";
import { lazyBuiltin } from "../util/builtin.ts";
import { DRAIN_AFTER_EXIT_MS, DRAIN_AFTER_KILL_MS, goArch } from "./platform.ts";
import { replaceFile } from "./atomic_write.ts";
import type {
  InterfaceAddress,
  Platform,
  ProcessExit,
  ProcessSignal,
  SpawnedProcess,
  SpawnOptions,
  UnixLogSocket,
} from "./platform.ts";

const childProcess = lazyBuiltin<typeof NodeChildProcess>("node:child_process");
const dns = lazyBuiltin<typeof NodeDns>("node:dns/promises");
const fsp = () => lazyFs().promises;
const lazyFs = lazyBuiltin<typeof NodeFs>("node:fs");
const os = lazyBuiltin<typeof NodeOs>("node:os");
const net = lazyBuiltin<typeof NodeNet>("node:net");

/** Platform backed by `node:process` and `node:os`. */
export function nodeCompatPlatform(runtime: string): Platform {
  return {
    runtime,
    hostname: () => os().hostname(),
    pid: () => process.pid,
    args: () => process.argv.slice(2),
    env: (name) => process.env[name],
    environ: () =>
      Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
    onSignal(signal: ProcessSignal, handler: () => void) {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    writeStdout: (text) => void process.stdout.write(text),
    writeStderr: (text) => void process.stderr.write(text),
    exit: (code) => process.exit(code),
    spawn: spawnChild,
    readFile: async (path) => new Uint8Array(await fsp().readFile(path)),
    async readDir(path) {
      const entries = await fsp().readdir(path, { withFileTypes: true });
      return entries.map((e) => ({ name: String(e.name), isDirectory: e.isDirectory() }));
    },
    async stat(path) {
      try {
        return { isDirectory: (await fsp().stat(path)).isDirectory() };
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return null;
        throw err;
      }
    },
    writeFile: replaceFile,
    lookupHost: systemLookupHost,
    networkInterfaces(): InterfaceAddress[] {
      const out: InterfaceAddress[] = [];
      for (const [name, addrs] of Object.entries(os().networkInterfaces())) {
        for (const a of addrs ?? []) {
          out.push({ name, address: a.address, family: String(a.family).endsWith("6") ? "IPv6" : "IPv4" });
        }
      }
      return out;
    },
    async dialUnix(path, type) {
      if (type === "unix") return await dialNodeUnixStream(path);
      // Only Bun gets here without the Deno namespace; its datagrams go through libc.
      return await (await import("./bun_unixgram.ts")).dialBunUnixgram(path);
    },
    systemInfo: () => ({
      os: process.platform,
      arch: goArch(process.arch),
      cpuCount: os().cpus().length || 1,
    }),
  };
}

/**
 * Resolves through getaddrinfo (what Go's resolver does with the hosts file),
 * IPv4 first. Exported for the Deno platform, whose own API only queries DNS servers.
 */
export async function systemLookupHost(host: string): Promise<string[]> {
  const found = await dns().lookup(host, { all: true, order: "ipv4first" });
  return found.map((a) => a.address);
}

function spawnChild(argv: string[], options: SpawnOptions): SpawnedProcess {
  const [program, ...args] = argv;
  if (!program) throw new TypeError("Cannot spawn: empty command line");
  // detached = setsid(): the child leads its own process group, so kill() reaches its children too.
  const child = childProcess().spawn(program, args, { env: options.env, detached: true, stdio: "pipe" });
  child.stdin.on("error", (err) => options.onStdinError?.(err));
  child.stdin.end(options.stdin);
  const drained = (s: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      s.on("data", (chunk: Uint8Array) => options.onOutput(new Uint8Array(chunk)));
      s.on("end", resolve);
      s.on("close", resolve);
      s.on("error", () => resolve());
    });
  const pumps = Promise.all([drained(child.stdout), drained(child.stderr)]);
  let killed = false;
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", async (code, signal) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceMs = killed ? DRAIN_AFTER_KILL_MS : DRAIN_AFTER_EXIT_MS;
      await Promise.race([pumps, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      if (killed) {
        child.stdout.destroy();
        child.stderr.destroy();
      }
      if (signal) resolve({ code: 128 + (os().constants.signals[signal] ?? 0), signal });
      else resolve({ code: code ?? 0 });
    });
  });
  return {
    pid: child.pid ?? -1,
    exited,
    kill() {
      killed = true;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch {
          // already exited
        }
      }
    },
  };
}

/** Most bytes a stream connection buffers for a slow reader before sends fail (a syslog daemon that stalled). */
const STREAM_BUFFER_LIMIT = 256 * 1024;

/** A unix stream connection to `path` through `node:net`, as Go's `net.Dial("unix", path)`. */
function dialNodeUnixStream(path: string): Promise<UnixLogSocket> {
  return new Promise((resolve, reject) => {
    const socket = net().createConnection({ path });
    let failure: Error | undefined;
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.on("error", (err) => (failure = err));
      socket.on("close", () => (failure ??= new Error(`write unix ${path}: connection closed`)));
      resolve({
        path,
        type: "unix",
        send(data) {
          if (failure) return Promise.reject(failure);
          if (socket.writableLength > STREAM_BUFFER_LIMIT) {
            return Promise.reject(new Error(`write unix ${path}: reader is not keeping up`));
          }
          socket.write(data);
          return Promise.resolve();
        },
        close: () => void socket.destroy(),
      });
    });
    socket.once("error", reject);
  });
}
