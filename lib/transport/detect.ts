/**
 * Picks the socket transport for the runtime we are on. Only this composition-root
 * helper knows both runtime files; each is loaded with a dynamic `import()` so Deno
 * never evaluates the Bun file and Bun never evaluates the Deno file.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import type { ListenOptions, Transport } from "./transport.ts";

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
