/**
 * go-metrics' statsite sink as Serf's `statsite_addr` starts it: statsd lines
 * over one TCP connection, flushed every 100 ms, reconnected after a failure.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import { parseAddress } from "../util/addr.ts";
import type { Logger } from "../util/log.ts";
import type { Address, Stream } from "../transport/transport.ts";
import { type LineOutlet, LineSink } from "./line_sink.ts";

/** Bound on one connect attempt, so a silent collector delays only its own metrics. */
const STATSITE_DIAL_TIMEOUT_MS = 10_000;

/** What {@linkcode statsiteSink} needs besides the address. */
export interface StatsiteSinkOptions {
  clock: Clock;
  logger: Logger;
  /** Opens a TCP connection (the transport layer's `dialStream`). */
  dial: (to: Address, timeoutMs: number, clock: Clock) => Promise<Stream>;
}

/**
 * A sink sending to the statsite server at `addr` (`host:port`). A refused or
 * dropped connection is logged and retried every 5 s; it never throws.
 *
 * @example
 * ```ts ignore
 * const sink = statsiteSink("127.0.0.1:8125", { clock, logger, dial: dialStream });
 * ```
 */
export function statsiteSink(addr: string, options: StatsiteSinkOptions): LineSink {
  const encoder = new TextEncoder();
  return new LineSink({
    name: "statsite",
    clock: options.clock,
    logger: options.logger,
    open: async (): Promise<LineOutlet> => {
      const stream = await options.dial(parseAddress(addr), STATSITE_DIAL_TIMEOUT_MS, options.clock);
      // statsite never answers; the read ends when the collector hangs up, and the next send then fails.
      let hungUp = false;
      stream.read().then((chunk) => void (hungUp ||= chunk === null), () => void (hungUp = true));
      return {
        async send(lines) {
          if (hungUp) throw new Error(`connection closed by ${addr}`);
          await stream.write(encoder.encode(lines.join("")));
        },
        close() {
          stream.close();
          return Promise.resolve();
        },
      };
    },
  });
}
