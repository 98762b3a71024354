/** A description of the machine a run happened on, for the report. */

/** What the report says about the host. */
export interface Machine {
  nproc: number;
  cpuModel: string;
  kernel: string;
  memoryGb: number;
  /** 1-minute load average when the run started (the machine may be shared). */
  loadAtStart: number;
}

/** Reads nproc, CPU model (/proc/cpuinfo), kernel, memory and load. */
export function describeMachine(): Machine {
  const cpuinfo = read("/proc/cpuinfo");
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(read("/proc/meminfo"))?.[1] ?? NaN);
  return {
    nproc: navigator.hardwareConcurrency,
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    kernel: Deno.osRelease(),
    memoryGb: Math.round(memKb / 1024 / 1024),
    loadAtStart: Deno.loadavg()[0] ?? NaN,
  };
}

/** First line of `<program> <args>`'s output, or "unknown". */
export async function versionOf(program: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "null" }).output();
    return new TextDecoder().decode(out.stdout).split("\n")[0]?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}
