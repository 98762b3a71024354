/**
 * Picks the socket transport (and the plain TCP of the RPC endpoint) for the
 * runtime we are on. Only this composition-root helper knows the runtime files; each is loaded with a dynamic `import()` so Deno
 * never evaluates the Bun file and Bun never evaluates the Deno file.
 *
 * @module
 */
import { type Address, formatAddress } from "../util/addr.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import type { StreamListener, StreamNetwork } from "./tcp_listener.ts";
import type { ListenOptions, Stream, StreamHandler, Transport } from "./transport.ts";

/**
 * Options for {@linkcode listenTransport}: where to listen, plus what the runtime transports accept.
 *
 * @example The in-memory network accepts the same options (it uses the address)
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, SeededRandom, silentLogger, VirtualClock } from "../../mod.ts";
 * import type { TransportOptions } from "./detect.ts";
 *
 * const clock = new VirtualClock();
 * const options: TransportOptions = { host: "127.0.0.1", port: 7946, logger: silentLogger(), clock };
 * // `await listenTransport(options)` would bind real UDP and TCP sockets instead.
 * const transport = new MemoryNetwork({ clock, rng: new SeededRandom(1) }).listen(options);
 * assert.deepEqual(transport.localAddress, { host: "127.0.0.1", port: 7946 });
 * ```
 */
export interface TransportOptions extends ListenOptions {
  /**
   * Where socket failures are reported.
   * @default silentLogger()
   */
  logger?: Logger;
  /**
   * Time source for `receivedAt` and dial deadlines.
   * @default new RealClock()
   */
  clock?: Clock;
}

/**
 * Listens with `DenoTransport` on Deno, `BunTransport` on Bun.
 * Deno is checked first because Bun does not define a `Deno` global, while some
 * Deno-compat shims might define `Bun`-like globals.
 *
 * @throws {Error} on any other runtime, or when the address cannot be bound
 * @example
 * ```ts ignore
 * const transport = await listenTransport({ host: "127.0.0.1", port: 7946 });
 * await transport.close();
 * ```
 */
export async function listenTransport(options: TransportOptions): Promise<Transport> {
  const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
  if (runtime.Deno !== undefined) {
    const { DenoTransport } = await import("./deno.ts");
    return await DenoTransport.listen(options);
  }
  if (runtime.Bun !== undefined) {
    const { BunTransport } = await import("./bun.ts");
    return await BunTransport.listen(options);
  }
  throw new Error("Cannot listen: no supported runtime found (need Deno or Bun)");
}

/** The plain TCP of the runtime we are on, loaded on first use. */
async function streamNetwork(): Promise<StreamNetwork> {
  const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
  if (runtime.Deno !== undefined) return (await import("./deno_tcp.ts")).denoStreamNetwork;
  if (runtime.Bun !== undefined) return (await import("./bun_tcp.ts")).bunStreamNetwork;
  throw new Error("Cannot use TCP: no supported runtime found (need Deno or Bun)");
}

/**
 * Listens for plain TCP connections on `options.host:options.port` (the RPC
 * endpoint). The handler owns each stream it gets and must close it; the
 * listener closes the ones still open when it is closed itself.
 *
 * @throws {Error} `Cannot listen on <addr>: ...` when the address cannot be bound
 * @example
 * ```ts ignore
 * const l = await listenStream({ host: "127.0.0.1", port: 0 }, (s) => s.close());
 * await l.close();
 * ```
 */
export async function listenStream(
  options: ListenOptions,
  onStream: StreamHandler,
  clock: Clock = new RealClock(),
): Promise<StreamListener> {
  const network = await streamNetwork();
  try {
    return await network.listen(options, onStream, clock);
  } catch (err) {
    throw new Error(`Cannot listen on ${formatAddress(options)}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Opens a plain TCP connection to `to`, giving up after `timeoutMs` on `clock`.
 * @throws {DialError} when refused, timed out, or otherwise failed
 */
export async function dialStream(
  to: Address,
  timeoutMs: number,
  clock: Clock = new RealClock(),
): Promise<Stream> {
  return await (await streamNetwork()).dial(to, timeoutMs, clock);
}
