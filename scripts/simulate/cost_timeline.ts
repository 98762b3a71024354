/**
 * Where a run's CPU goes over simulated time, second by second, beside the
 * cluster's total broadcast queue depth: separates the join storm (every
 * join an alive rumour and a join intent on every node's queues) from the
 * steady state that follows, which a single CPU total for the run mixes up.
 */

/** One simulated second of a run. */
export interface SecondCost {
  /** End of the second, simulated seconds from the start. */
  t: number;
  /** CPU seconds the process spent simulating this second. */
  cpuS: number;
  /** Sum of every live node's memberlist broadcast queue at the end of the second. */
  memberlistQueued: number;
  /** Sum of every live node's Serf intent queue at the end of the second. */
  intentQueued: number;
}

/** Collects {@linkcode SecondCost}s as the run advances. */
export class CostTimeline {
  readonly seconds: SecondCost[] = [];
  #lastCpuS: number;
  #nextT = 1;

  /** @param cpuNow reads the process's CPU seconds so far */
  constructor(readonly cpuNow: () => number) {
    this.#lastCpuS = cpuNow();
  }

  /** Records the seconds completed by simulated time `t` (call after every sample). */
  sample(t: number, queued: { memberlist: number; intent: number }): void {
    if (t + 1e-9 < this.#nextT) return;
    const cpu = this.cpuNow();
    this.seconds.push({
      t: this.#nextT,
      cpuS: cpu - this.#lastCpuS,
      memberlistQueued: queued.memberlist,
      intentQueued: queued.intent,
    });
    this.#lastCpuS = cpu;
    this.#nextT = Math.floor(t + 1e-9) + 1;
  }

  /** CPU seconds per simulated second over the seconds ending after `fromS` (null if none). */
  cpuPerSecondAfter(fromS: number): number | null {
    const tail = this.seconds.filter((s) => s.t > fromS);
    if (tail.length === 0) return null;
    return tail.reduce((sum, s) => sum + s.cpuS, 0) / tail.length;
  }

  /**
   * The first second, at or after `fromS`, at whose end the memberlist queues of the whole cluster
   * held fewer than `threshold` messages: when the join storm had drained (null if never).
   */
  drainedAt(fromS: number, threshold: number): number | null {
    return this.seconds.find((s) => s.t >= fromS && s.memberlistQueued < threshold)?.t ?? null;
  }
}
