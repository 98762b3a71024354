/**
 * Outgoing TCP dials of a transport, raced against a deadline on the injected
 * clock and against the transport's shutdown. Deno can cancel a connect
 * through its signal; Bun cannot, so a socket that arrives after the race was
 * lost is closed on arrival. Either way a dial never outlives its deadline.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import { errorMessage, ShutdownError, TimeoutError } from "../util/errors.ts";

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
   * @param where the address, for error messages
   * @throws {TimeoutError} after the deadline; {@linkcode ShutdownError} when aborted by a shutdown;
   * an Error saying `Cannot dial <where>: ...` with the cause otherwise
   */
  async dial<S extends { close(): void }>(
    where: string,
    timeoutMs: number,
    connect: (signal: AbortSignal) => Promise<S>,
  ): Promise<S> {
    const abort = new AbortController();
    const timer = this.#clock.setTimer(timeoutMs, () => {
      abort.abort(new TimeoutError(`Cannot dial ${where}: timed out after ${timeoutMs} ms`));
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
      throw new Error(`Cannot dial ${where}: ${errorMessage(err)}`, { cause: err });
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
