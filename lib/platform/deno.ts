/**
 * The Deno implementation of {@linkcode Platform}.
 *
 * @module
 */
import { DRAIN_AFTER_EXIT_MS, DRAIN_AFTER_KILL_MS, goArch } from "./platform.ts";
import type { DirEntry, InterfaceAddress, Platform, ProcessExit, ProcessSignal } from "./platform.ts";
import type { SpawnedProcess, SpawnOptions } from "./platform.ts";
import { systemLookupHost } from "./node_compat.ts";
import { dialDenoUnix } from "./deno_unix.ts";
import { replaceFile } from "./atomic_write.ts";

const encoder = new TextEncoder();

/** Platform backed by the `Deno` namespace. */
export function denoPlatform(): Platform {
  return {
    runtime: `deno ${Deno.version.deno}`,
    hostname: () => Deno.hostname(),
    pid: () => Deno.pid,
    args: () => [...Deno.args],
    env: (name) => Deno.env.get(name),
    environ: () => Deno.env.toObject(),
    onSignal(signal: ProcessSignal, handler: () => void) {
      Deno.addSignalListener(signal, handler);
      return () => Deno.removeSignalListener(signal, handler);
    },
    writeStdout: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    writeStderr: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    exit: (code) => Deno.exit(code),
    spawn: denoSpawn,
    readFile: (path) => Deno.readFile(path),
    async readDir(path) {
      const out: DirEntry[] = [];
      for await (const e of Deno.readDir(path)) out.push({ name: e.name, isDirectory: e.isDirectory });
      return out;
    },
    async stat(path) {
      try {
        return { isDirectory: (await Deno.stat(path)).isDirectory };
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return null;
        throw err;
      }
    },
    writeFile: replaceFile,
    // Deno.resolveDns skips the hosts file; the node-compatible getaddrinfo path does not.
    lookupHost: systemLookupHost,
    networkInterfaces(): InterfaceAddress[] {
      return Deno.networkInterfaces().map((i) => ({ name: i.name, address: i.address, family: i.family }));
    },
    dialUnix: dialDenoUnix,
    systemInfo: () => ({
      os: Deno.build.os,
      arch: goArch(Deno.build.arch),
      cpuCount: navigator.hardwareConcurrency ?? 1,
    }),
  };
}

function denoSpawn(argv: string[], options: SpawnOptions): SpawnedProcess {
  const [program, ...args] = argv;
  if (!program) throw new TypeError("Cannot spawn: empty command line");
  // detached = setsid(): the child leads its own process group, so kill() reaches its children too.
  const child = new Deno.Command(program, {
    args,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const writer = child.stdin.getWriter();
  void (async () => {
    try {
      if (options.stdin.length > 0) await writer.write(options.stdin);
      await writer.close();
    } catch (err) {
      options.onStdinError?.(err);
      await writer.abort().catch(() => {});
    }
  })();
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    readers.push(reader);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        options.onOutput(value);
      }
    } catch {
      // cancelled after a kill
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let killed: Promise<void> | undefined;
  const exited = (async (): Promise<ProcessExit> => {
    const status = await child.status;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceMs = killed ? DRAIN_AFTER_KILL_MS : DRAIN_AFTER_EXIT_MS;
    const late = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([pumps, late]);
    clearTimeout(timer);
    if (killed) {
      for (const r of readers) await r.cancel().catch(() => {});
      await pumps;
    }
    return status.signal ? { code: status.code, signal: status.signal } : { code: status.code };
  })();
  return {
    pid: child.pid,
    exited,
    kill() {
      killed ??= Promise.resolve();
      try {
        Deno.kill(-child.pid, "SIGKILL");
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
