/**
 * Outgoing TCP dials of a transport, raced against a deadline on the injected
 * clock and against the transport's shutdown. Deno can cancel a connect
 * through its signal; Bun cannot, so a socket that arrives after the race was
 * lost is closed on arrival. Either way a dial never outlives its deadline.
 *
 * @module
 */
import type { Address } from "../util/addr.ts";
import type { Clock } from "../util/clock.ts";
import { ShutdownError, TimeoutError } from "../util/errors.ts";
import { goDialErrorText, goDialTimeoutText } from "./go_net_error.ts";

/** The dials in flight on one transport. */
export class PendingDials {
  readonly #clock: Clock;
  readonly #aborts = new Set<AbortController>();
  readonly #connecting = new Set<Promise<unknown>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Runs `connect`, giving up after `timeoutMs` or when {@linkcode PendingDials.abortAll} is called.
   * @param to the address, for error messages
   * @throws {TimeoutError} after the deadline; {@linkcode ShutdownError} when aborted by a shutdown;
   * otherwise an Error with Go's text (`dial tcp 127.0.0.1:1: connect: connection refused`, see
   * `go_net_error.ts`: Serf relays it verbatim) and the runtime's error as `cause`
   */
  async dial<S extends { close(): void }>(
    to: Address,
    timeoutMs: number,
    connect: (signal: AbortSignal) => Promise<S>,
  ): Promise<S> {
    const abort = new AbortController();
    const timer = this.#clock.setTimer(timeoutMs, () => {
      abort.abort(new TimeoutError(goDialTimeoutText(to)));
    });
    let lost = false;
    const connecting = connect(abort.signal).then((stream) => {
      if (lost) stream.close();
      return stream;
    });
    const settled = connecting.catch(() => {});
    this.#connecting.add(settled);
    settled.finally(() => this.#connecting.delete(settled));
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true });
    });
    this.#aborts.add(abort);
    try {
      return await Promise.race([connecting, aborted]);
    } catch (err) {
      lost = true;
      if (err instanceof TimeoutError || err instanceof ShutdownError) throw err;
      if (abort.signal.aborted) throw abort.signal.reason;
      throw new Error(goDialErrorText(to, err), { cause: err });
    } finally {
      timer.cancel();
      this.#aborts.delete(abort);
    }
  }

  /**
   * Fails every dial in flight with `reason`.
   * @returns the connects still settling, for a shutdown to await
   */
  abortAll(reason: Error): Promise<unknown>[] {
    for (const abort of this.#aborts) abort.abort(reason);
    return [...this.#connecting];
  }
}
