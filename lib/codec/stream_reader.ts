/**
 * Buffered reading of memberlist's stream framing from a {@linkcode ByteSource} (a TCP stream).
 *
 * A TCP stream delivers chunks of any size, while memberlist writes a type
 * byte, then msgpack objects back to back, then raw bytes whose length an
 * earlier header announced. This reader hands out exactly those units and
 * keeps the rest buffered. Every read can carry a deadline on an injected
 * {@linkcode Clock} (like Go's `conn.SetDeadline`), and the total bytes taken
 * from the peer are capped so a hostile peer cannot make us buffer without end.
 *
 * @module
 */
import { type Clock, RealClock } from "../util/clock.ts";
import { DecodeError, TimeoutError } from "../util/errors.ts";
import { decodeMsgpack, decodeScannedMsgpack, type MsgpackDecodeOptions } from "./msgpack.ts";
import { DEFAULT_MAX_DEPTH, msgpackObjectLength, MsgpackScanner } from "./msgpack_scan.ts";

export { msgpackObjectLength };

/**
 * The stream ended before what was being read was complete. `received` says
 * how much of it had arrived: Go reports nothing at all as `EOF` and a part as
 * `unexpected EOF`, and memberlist relays those words (see
 * `transport/go_net_error.ts`).
 */
export class StreamEndedError extends DecodeError {
  override name = "StreamEndedError";
  /**
   * @param message what was being read when the stream ended
   * @param received bytes of it that had arrived (0 when none)
   */
  constructor(message: string, readonly received: number) {
    super(message);
  }
}

/** The part of a stream this reader needs. */
export interface ByteSource {
  /** Next chunk of bytes, or `null` at end of input. Rejects on a broken source. */
  read(): Promise<Uint8Array | null>;
}

/** Settings for a {@linkcode StreamReader}. */
export interface StreamReaderOptions {
  /**
   * Clock for deadlines.
   * @default {a new RealClock}
   */
  clock?: Clock;
  /**
   * Absolute clock time (ms) after which every read fails with `TimeoutError`; see
   * {@linkcode StreamReader.setDeadline}.
   * @default {undefined} (no deadline)
   */
  deadline?: number;
  /**
   * Most bytes this reader takes from the source over its life; beyond it reads throw `DecodeError`.
   * @default {Infinity}
   */
  maxBytes?: number;
  /**
   * Longest single msgpack object accepted by {@linkcode StreamReader.readMsgpack}.
   * @default {16777216} (16 MiB)
   */
  maxObjectBytes?: number;
  /**
   * Deepest nesting accepted in one msgpack object.
   * @default {64}
   */
  maxDepth?: number;
}

/** Per-call options. */
export interface ReadOptions {
  /** Give up with `TimeoutError` after this many milliseconds (combined with any deadline set). */
  timeoutMs?: number;
}

const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;

/**
 * Reads bytes, single bytes and whole msgpack objects from a chunked stream.
 * One reader per stream, used by one caller at a time. Malformed or short
 * input rejects with `DecodeError`, a passed deadline with `TimeoutError`, and
 * a broken connection with whatever the stream's `read()` rejected with.
 *
 * @example
 * ```ts
 * import { StreamReader } from "./stream_reader.ts";
 * const reader = StreamReader.fromBytes(new Uint8Array([6, 0x81, 0xa1, 0x41, 0x01]));
 * await reader.readByte(); // 6
 * await reader.readMsgpack(); // { A: 1 }
 * ```
 */
export class StreamReader {
  #source: ByteSource;
  #clock: Clock | undefined;
  #maxBytes: number;
  #maxObjectBytes: number;
  #maxDepth: number;
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #received = 0;
  #consumed = 0;
  #eof = false;
  #deadline: number | undefined;
  /** A source read still running after a timeout; the next read picks up its result. */
  #inflight: Promise<Uint8Array | null> | null = null;

  constructor(source: ByteSource, options: StreamReaderOptions = {}) {
    this.#source = source;
    this.#clock = options.clock;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#deadline = options.deadline;
  }

  /** A reader over bytes already in memory (a decrypted or decompressed stream payload). */
  static fromBytes(bytes: Uint8Array, options?: StreamReaderOptions): StreamReader {
    let done = false;
    return new StreamReader({
      read: () => {
        if (done) return Promise.resolve(null);
        done = true;
        return Promise.resolve(bytes);
      },
    }, options);
  }

  /** Bytes handed to the caller so far. */
  get bytesRead(): number {
    return this.#consumed;
  }

  /** Bytes received but not yet handed out. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * Sets an absolute deadline (clock milliseconds) for every later read, or
   * clears it with `undefined`, like Go's `conn.SetDeadline`.
   */
  setDeadline(atMs: number | undefined): void {
    this.#deadline = atMs;
  }

  /**
   * Returns the next byte without consuming it, or null at a clean end of stream.
   * @throws {TimeoutError} when the deadline passes first.
   */
  async peekByte(options?: ReadOptions): Promise<number | null> {
    const deadline = this.#deadlineFor(options);
    if (!(await this.#fill(1, deadline))) return null;
    return this.#buf[this.#start]!;
  }

  /**
   * Reads one byte.
   * @throws {DecodeError} at end of stream. {TimeoutError} when the deadline passes first.
   */
  async readByte(options?: ReadOptions): Promise<number> {
    const deadline = this.#deadlineFor(options);
    if (!(await this.#fill(1, deadline))) throw this.#eofError(1);
    this.#consumed++;
    return this.#buf[this.#start++]!;
  }

  /**
   * Reads exactly `n` bytes (a copy the caller owns).
   * @throws {DecodeError} if the stream ends first or `n` exceeds the byte cap.
   * {TimeoutError} when the deadline passes first. {RangeError} for a negative or fractional `n`.
   */
  async readExact(n: number, options?: ReadOptions): Promise<Uint8Array> {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`Cannot read stream: 'n' must be a non-negative integer: current value is ${n}`);
    }
    if (this.#received - this.buffered + n > this.#maxBytes) {
      throw new DecodeError(
        `Cannot read stream: ${n} more bytes would exceed the limit of ${this.#maxBytes}`,
      );
    }
    const deadline = this.#deadlineFor(options);
    if (!(await this.#fill(n, deadline))) throw this.#eofError(n);
    return this.#take(n);
  }

  /**
   * Reads the bytes of exactly one msgpack object, however it is split across chunks.
   * @throws {DecodeError} on malformed msgpack, end of stream mid-object, or an object over
   * `maxObjectBytes`. {TimeoutError} when the deadline passes first.
   */
  async readMsgpackBytes(options?: ReadOptions): Promise<Uint8Array> {
    const deadline = this.#deadlineFor(options);
    const scanner = new MsgpackScanner(this.#maxDepth);
    while (true) {
      const length = scanner.scan(this.#buf.subarray(this.#start, this.#end));
      if (length >= 0) return this.#take(length);
      if (this.buffered >= this.#maxObjectBytes) {
        throw new DecodeError(`Cannot read stream: msgpack object longer than ${this.#maxObjectBytes} bytes`);
      }
      if (!(await this.#fill(this.buffered + 1, deadline))) {
        throw new StreamEndedError(
          this.buffered === 0
            ? "Cannot read stream: ended where a msgpack object was expected"
            : `Cannot read stream: ended inside a msgpack object after ${this.buffered} bytes`,
          this.buffered,
        );
      }
    }
  }

  /**
   * Decodes the next msgpack object without waiting, when all of it is already
   * buffered; returns `undefined` (consuming nothing) when it is not. Lets a
   * caller work through requests that arrived together before it awaits more.
   * @throws {DecodeError} on malformed msgpack.
   */
  tryReadMsgpack(options?: MsgpackDecodeOptions): unknown {
    if (this.#start === this.#end) return undefined;
    const length = msgpackObjectLength(this.#buf.subarray(this.#start, this.#end), 0, this.#maxDepth);
    if (length < 0) return undefined;
    return decodeScannedMsgpack(this.#take(length), { maxLength: options?.maxLength });
  }

  /** Reads and decodes one msgpack object (raw values stay bytes; see `decodeMsgpack`). */
  async readMsgpack(options?: ReadOptions & MsgpackDecodeOptions): Promise<unknown> {
    const bytes = await this.readMsgpackBytes(options);
    return decodeMsgpack(bytes, { maxDepth: this.#maxDepth, maxLength: options?.maxLength });
  }

  #deadlineFor(options: ReadOptions | undefined): number | undefined {
    if (options?.timeoutMs === undefined) return this.#deadline;
    const own = this.#clockOrDefault().now() + options.timeoutMs;
    return this.#deadline === undefined ? own : Math.min(own, this.#deadline);
  }

  #clockOrDefault(): Clock {
    this.#clock ??= new RealClock();
    return this.#clock;
  }

  #eofError(wanted: number): DecodeError {
    return new StreamEndedError(
      `Cannot read stream: ended with ${this.buffered} of ${wanted} bytes`,
      this.buffered,
    );
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    this.#consumed += n;
    return out;
  }

  /** Buffers until `n` bytes are available; false if the stream ended first. */
  async #fill(n: number, deadline: number | undefined): Promise<boolean> {
    while (this.buffered < n) {
      if (this.#eof) return false;
      const chunk = await this.#nextChunk(deadline);
      if (chunk === null) {
        this.#eof = true;
        return false;
      }
      this.#received += chunk.length;
      if (this.#received > this.#maxBytes) {
        throw new DecodeError(`Cannot read stream: peer sent more than ${this.#maxBytes} bytes`);
      }
      this.#append(chunk);
    }
    return true;
  }

  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      const needed = live + chunk.length;
      if (needed > this.#buf.length) {
        const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2, 4096));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  async #nextChunk(deadline: number | undefined): Promise<Uint8Array | null> {
    this.#inflight ??= this.#source.read();
    const inflight = this.#inflight;
    if (deadline === undefined) {
      const chunk = await inflight;
      this.#inflight = null;
      return chunk;
    }
    const clock = this.#clockOrDefault();
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw new TimeoutError("Cannot read stream: deadline exceeded");
    const chunk = await new Promise<Uint8Array | null>((resolve, reject) => {
      const timer = clock.setTimer(remaining, () => {
        reject(new TimeoutError(`Cannot read stream: deadline exceeded after ${remaining} ms`));
      });
      inflight.then((value) => {
        timer.cancel();
        resolve(value);
      }, (err) => {
        timer.cancel();
        reject(err);
      });
    });
    this.#inflight = null;
    return chunk;
  }
}
