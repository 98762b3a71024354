/**
 * Runs short commands (ip, nft, the serf CLI) for the fault lab, each bounded
 * by a timeout so a hung agent or a wedged namespace can never stall a run.
 */

/** Result of a command run to completion: exit code and stdout + stderr. */
export interface CommandResult {
  code: number;
  out: string;
}

/** Options for {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** Kill the command after this long. @default 15_000 */
  timeoutMs?: number;
  /** Text written to the command's stdin. @default none */
  input?: string;
}

/**
 * Runs `argv` to completion; a command that times out or cannot start reads as
 * exit code -1 with the reason in `out`, never as a throw.
 */
export async function runCommand(argv: string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const dec = new TextDecoder();
  try {
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: options.input === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    }).spawn();
    if (options.input !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(options.input));
      await w.close();
    }
    const r = await child.output();
    return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch (err) {
    return { code: -1, out: `cannot run ${argv[0]}: ${String(err)}` };
  }
}

/** Runs `argv` and throws with its output when it fails: for set-up steps that must work. */
export async function mustRun(argv: string[], input?: string): Promise<void> {
  const r = await runCommand(argv, { input });
  if (r.code !== 0) throw new Error(`Fault lab set-up step failed: ${argv.join(" ")}: ${r.out.trim()}`);
}

/** Sleeps `ms`; every fixed pause in the lab is a scenario's fault duration, never a wait for a result. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `everyMs` until it is true or `maxMs` passed.
 * @returns the milliseconds it took, or undefined on timeout
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  maxMs: number,
  everyMs = 500,
): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    if (await check()) return Date.now() - start;
    await sleep(everyMs);
  }
  return undefined;
}
