/**
 * go-metrics' statsd sink as Serf's `statsd_addr` starts it: statsd lines in
 * UDP datagrams of at most 1400 bytes, flushed every 100 ms.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import { parseAddress } from "../util/addr.ts";
import type { Logger } from "../util/log.ts";
import { packStatsdLines } from "../util/statsd_line.ts";
import type { UdpSender } from "../platform/node_udp.ts";
import { type LineOutlet, LineSink } from "./line_sink.ts";

/** What {@linkcode statsdSink} needs besides the address. */
export interface StatsdSinkOptions {
  clock: Clock;
  logger: Logger;
  /** Opens the UDP socket (the platform's `openUdpSender`). */
  openUdp: (host: string, port: number) => Promise<UdpSender>;
}

/**
 * A sink sending to the statsd server at `addr` (`host:port`). A bad address
 * or a failing socket is logged and retried every 5 s; it never throws.
 *
 * @example
 * ```ts ignore
 * const sink = statsdSink("127.0.0.1:8125", { clock, logger, openUdp: openUdpSender });
 * ```
 */
export function statsdSink(addr: string, options: StatsdSinkOptions): LineSink {
  return new LineSink({
    name: "statsd",
    clock: options.clock,
    logger: options.logger,
    open: async (): Promise<LineOutlet> => {
      const { host, port } = parseAddress(addr);
      const sender = await options.openUdp(host, port);
      return {
        async send(lines) {
          for (const packet of packStatsdLines(lines)) await sender.send(packet);
        },
        close: () => sender.close(),
      };
    },
  });
}
