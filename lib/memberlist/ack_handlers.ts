/**
 * Pending probes waiting for an ack or nack, keyed by sequence number.
 * Each entry expires by itself so an unanswered probe cannot leak.
 *
 * @module
 */
import type { Clock, Timer } from "../util/clock.ts";

/** Called with the ack's payload and the receive time of the packet. */
export type AckFn = (payload: Uint8Array, receivedAt: number) => void;

interface Entry {
  ack: AckFn;
  nack?: () => void;
  expire?: () => void;
  timer: Timer;
}

export class AckHandlers {
  #entries = new Map<number, Entry>();
  #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Waits up to `timeoutMs` for an ack of `seqNo`; `onExpire` runs if none came.
   * A nack does not remove the entry: acks can still arrive through another path.
   */
  set(seqNo: number, timeoutMs: number, ack: AckFn, nack?: () => void, onExpire?: () => void): void {
    this.#entries.get(seqNo)?.timer.cancel();
    const timer = this.#clock.setTimer(timeoutMs, () => {
      this.#entries.delete(seqNo);
      onExpire?.();
    });
    this.#entries.set(seqNo, { ack, nack, expire: onExpire, timer });
  }

  /** Delivers an ack; unknown or expired sequence numbers are ignored. */
  invokeAck(seqNo: number, payload: Uint8Array, receivedAt: number): void {
    const e = this.#entries.get(seqNo);
    if (!e) return;
    this.#entries.delete(seqNo);
    e.timer.cancel();
    e.ack(payload, receivedAt);
  }

  invokeNack(seqNo: number): void {
    this.#entries.get(seqNo)?.nack?.();
  }

  /** Cancels every pending probe (shutdown), running expiry callbacks so waiters finish. */
  clear(): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) {
      e.timer.cancel();
      e.expire?.();
    }
  }
}
