/**
 * Test support for syslog output: a datagram socket standing in for the
 * syslog daemon, and a private mount namespace in which the paths the real
 * `serf` dials (/dev/log, /var/run/syslog, /var/run/log) lead to that socket,
 * so the host's own syslog (if any) is neither used nor disturbed.
 */

/** One message as go-syslog writes it to a local socket. */
export interface SyslogLine {
  pri: number;
  timestamp: string;
  tag: string;
  pid: number;
  /** The message, without the one trailing newline go-syslog guarantees. */
  message: string;
  raw: string;
}

const LINE = /^<(\d+)>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) ([^\[]+)\[(\d+)\]: ([\s\S]*)\n$/;

/** Parses one datagram; throws when it is not in go-syslog's local format. */
export function parseSyslogLine(raw: string): SyslogLine {
  const m = LINE.exec(raw);
  if (!m) throw new Error(`Not a go-syslog line: ${JSON.stringify(raw)}`);
  return { pri: Number(m[1]), timestamp: m[2]!, tag: m[3]!, pid: Number(m[4]), message: m[5]!, raw };
}

/** A unix datagram socket in a temp dir that collects every message sent to it. */
export class SyslogCapture {
  readonly dir: string;
  readonly path: string;
  readonly messages: string[] = [];
  #conn: Deno.DatagramConn;
  #loop: Promise<void>;

  private constructor(dir: string) {
    this.dir = dir;
    this.path = `${dir}/log.sock`;
    const conn = Deno.listenDatagram({ transport: "unixpacket", path: this.path });
    this.#conn = conn;
    const decoder = new TextDecoder();
    this.#loop = (async () => {
      try {
        for (;;) this.messages.push(decoder.decode((await conn.receive())[0]));
      } catch {
        // closed
      }
    })();
  }

  static async open(): Promise<SyslogCapture> {
    return new SyslogCapture(await Deno.makeTempDir({ prefix: "serfts-syslog-test-" }));
  }

  lines(): SyslogLine[] {
    return this.messages.map(parseSyslogLine);
  }

  async close(): Promise<void> {
    this.#conn.close();
    await this.#loop;
    await Deno.remove(this.dir, { recursive: true });
  }
}

/**
 * Inside the new mount namespace: a tmpfs over /run (so /var/run/syslog can be
 * made, and a /dev/log symlink into /run dangles), a /var/run/syslog symlink to
 * the target, and the target bind-mounted over /dev/log if that still exists.
 */
const NAMESPACE_SCRIPT = `set -e
target="$1"; shift
run="$(readlink -f /var/run)"
mount -t tmpfs serfts-syslog-test "$run"
ln -s "$target" "$run/syslog"
if [ -e /dev/log ]; then mount --bind "$target" /dev/log; fi
exec "$@"`;

/**
 * The argv that runs `argv` in a private mount namespace where Serf's syslog
 * paths lead to `target` (a socket, or a plain file to play "no daemon").
 * `unshare` and `sh` exec, so the process keeps the pid the caller spawns.
 */
export function inSyslogNamespace(target: string, argv: string[]): string[] {
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    NAMESPACE_SCRIPT,
    "sh",
    target,
    ...argv,
  ];
}

/** Whether this host lets us make mount namespaces (root, `unshare` present and permitted). */
export async function namespaceSupport(): Promise<{ ok: boolean; reason: string }> {
  if (Deno.uid() !== 0) return { ok: false, reason: "not running as root" };
  try {
    const probe = await new Deno.Command("unshare", {
      args: ["--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs probe /mnt"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (probe.code !== 0) {
      return { ok: false, reason: `unshare failed: ${new TextDecoder().decode(probe.stderr).trim()}` };
    }
    return { ok: true, reason: "" };
  } catch (err) {
    return { ok: false, reason: `cannot run unshare: ${String(err)}` };
  }
}

/** How a run of an agent went: its exit code, console output and pid. */
export interface AgentRun {
  code: number;
  stdout: string;
  pid: number;
}

/** Runs `argv` to completion, killing it after `timeoutMs`. */
export async function runToExit(
  argv: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<AgentRun> {
  const [program, ...args] = argv;
  const child = new Deno.Command(program!, { args, env, stdout: "piped", stderr: "piped" }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout) + dec.decode(out.stderr), pid: child.pid };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Flags for a short, self-ending agent run that logs at every level Serf
 * uses: it joins itself (INFO), fails to join a closed port (DEBUG, WARN),
 * runs out of retries (ERR) and shuts down.
 */
export function retryScenarioFlags(bindPort: number, rpcPort: number, deadPort: number): string[] {
  return [
    "-node=syslog-node",
    `-bind=127.0.0.1:${bindPort}`,
    `-rpc-addr=127.0.0.1:${rpcPort}`,
    `-retry-join=127.0.0.1:${deadPort}`,
    "-retry-interval=1s",
    "-retry-max=1",
  ];
}

/**
 * A message as compared between serf and serfts: PRI and text, with the
 * error detail that Go and the runtimes word differently ("dial tcp ...:
 * connection refused" against "Cannot dial ...") masked.
 */
export function comparable(line: SyslogLine): string {
  const text = line.message.replace(
    /(Failed to join 127\.0\.0\.1|error joining|Join failed): [\s\S]*?(, retrying in 1s)?$/,
    "$1: <error>$2",
  );
  return `<${line.pri}>${text}`;
}

/**
 * Both runs' lines in comparable form, sorted (the member-join event may land between other lines at a
 * different point, so they compare as multisets). Whether the agent's event loop takes its own
 * member-join before the retry-join gives up and the agent exits is a race in both implementations, so
 * that one line is kept only when both runs have it.
 */
export function comparableRuns(ours: SyslogLine[], real: SyslogLine[]): { ours: string[]; real: string[] } {
  const raced = (l: string) => l.endsWith("agent: Received event: member-join");
  const both = ours.some((l) => raced(comparable(l))) && real.some((l) => raced(comparable(l)));
  const kept = (lines: SyslogLine[]) => lines.map(comparable).filter((l) => both || !raced(l)).sort();
  return { ours: kept(ours), real: kept(real) };
}
