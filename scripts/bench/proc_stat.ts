/**
 * Footprint of a process from /proc: resident set (VmRSS in /proc/<pid>/status)
 * and CPU time (utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms).
 */

/** One reading; zeros once the process is gone. */
export interface ProcSample {
  rssKb: number;
  cpuTicks: number;
}

/** Reads the current RSS and accumulated CPU ticks of `pid`. */
export function procSample(pid: number): ProcSample {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]?.split(" ") ?? [];
    const cpuTicks = Number(rest[11] ?? 0) + Number(rest[12] ?? 0);
    return { rssKb, cpuTicks };
  } catch {
    return { rssKb: 0, cpuTicks: 0 };
  }
}
