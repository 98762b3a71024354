/**
 * A logger for thousands of simulated nodes: it writes nothing and formats
 * nothing, but counts the lines that tell how the failure detector is doing
 * (suspicions raised after failed probes, refutations), which memberlist has
 * no counters for.
 */
import { Logger, type LogLevel } from "../../lib/util/log.ts";

/** What the nodes logged, summed over every node sharing the logger. */
export interface LogCounts {
  /** A node suspected a peer after a failed probe ("Suspect X has failed, no acks received"). */
  suspicions: number;
  /** A node refuted a suspect or dead claim about itself. */
  refutations: number;
  /** Lines at WARN or ERR, whatever they said. */
  warnings: number;
}

/** One shared instance serves every node: `child` returns the same counter. */
export class CountingLogger extends Logger {
  readonly counts: LogCounts = { suspicions: 0, refutations: 0, warnings: 0 };

  constructor() {
    super({ sink: () => {}, level: "INFO" });
  }

  override child(_subsystem: string): Logger {
    return this;
  }

  override log(level: LogLevel, message: string): void {
    if (level === "INFO") {
      if (message.startsWith("Suspect ") && message.endsWith("no acks received")) this.counts.suspicions++;
      return;
    }
    if (level !== "WARN" && level !== "ERR") return;
    this.counts.warnings++;
    if (message.startsWith("Refuting a")) this.counts.refutations++;
  }
}
