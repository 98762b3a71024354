/**
 * Reading memberlist stream messages: single bytes, exact byte counts, and
 * whole msgpack objects (which have no length prefix on memberlist streams).
 * Two sources share one interface: a live stream (with a deadline and a byte
 * cap) and an in-memory buffer (after decryption or decompression).
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import { DecodeError } from "../util/errors.ts";
import { type ByteSource, StreamReader } from "../codec/stream_reader.ts";
import { msgpackObjectLength } from "../codec/msgpack_scan.ts";

/** A source of stream message parts. Every method rejects with DecodeError on premature EOF. */
export interface FrameReader {
  readByte(): Promise<number>;
  readExact(n: number): Promise<Uint8Array>;
  /** The raw bytes of the next complete msgpack object. */
  readObjectBytes(): Promise<Uint8Array>;
}

/** Reads from a live stream, failing with TimeoutError at `deadline` and DecodeError past `maxBytes`. */
export class StreamFrameReader implements FrameReader {
  #reader: StreamReader;

  constructor(stream: ByteSource, clock: Clock, deadline: number, maxBytes: number) {
    this.#reader = new StreamReader(stream, { clock, deadline, maxBytes });
  }

  readByte(): Promise<number> {
    return this.#reader.readByte();
  }
  readExact(n: number): Promise<Uint8Array> {
    return this.#reader.readExact(n);
  }
  readObjectBytes(): Promise<Uint8Array> {
    return this.#reader.readMsgpackBytes();
  }
}

/** Reads from bytes already in memory. */
export class BufferFrameReader implements FrameReader {
  #buf: Uint8Array;
  #pos = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  readByte(): Promise<number> {
    if (this.#pos >= this.#buf.length) return Promise.reject(new DecodeError("Unexpected end of message"));
    return Promise.resolve(this.#buf[this.#pos++]!);
  }

  readExact(n: number): Promise<Uint8Array> {
    if (n < 0 || this.#pos + n > this.#buf.length) {
      return Promise.reject(new DecodeError(`Unexpected end of message: wanted ${n} bytes`));
    }
    const out = this.#buf.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return Promise.resolve(out);
  }

  readObjectBytes(): Promise<Uint8Array> {
    try {
      const len = msgpackObjectLength(this.#buf, this.#pos);
      if (len < 0) {
        return Promise.reject(new DecodeError("Unexpected end of message inside a msgpack object"));
      }
      return this.readExact(len);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
