/**
 * One RPC client connection on the server side: its read loop, its serialized
 * writer, and the per-client state Serf keeps (handshake version, auth, event
 * streams, the log monitor, queries delivered to it that it may still answer).
 *
 * Requests are handled one at a time, in order, as Serf does; streaming
 * commands answer at once and keep writing records from background tasks, so a
 * single writer chain keeps every header+body pair contiguous on the wire.
 *
 * Responses to quick commands that arrived together (a pipelining client) are
 * held and written with one write once the requests read so far are answered:
 * see {@linkcode RpcConnection.hold}. A write per response would cost a system
 * call (and, on Deno, an async op) each.
 *
 * @module
 */
import { StreamReader } from "../codec/stream_reader.ts";
import { type MsgpackEncodable, MsgpackWriter } from "../codec/msgpack.ts";
import type { QueryEvent } from "../serf/types.ts";
import type { Stream } from "../transport/transport.ts";
import { formatAddress } from "../util/addr.ts";
import type { Clock } from "../util/clock.ts";
import { DeadlineMap } from "../util/deadline_map.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import type { RpcAgent } from "./agent_api.ts";
import type { MemberRecordCache } from "./member_record.ts";
import { writeResponseHeader } from "./protocol.ts";

/** Shared by every connection of one server. */
export interface ServerContext {
  agent: RpcAgent;
  /** "" when the agent accepts clients without `auth`. */
  authKey: string;
  logger: Logger;
  clock: Clock;
  /** Largest single request object (header or body) accepted, in bytes. */
  maxRequestBytes: number;
  /** Encoded member records shared by every client's `members` answers. */
  memberRecords: MemberRecordCache;
}

/** Held responses beyond this many bytes are written at once, holding or not. */
const MAX_HELD_BYTES = 256 * 1024;
const RESOLVED: Promise<void> = Promise.resolve();
/** Output at least this big is handed to the stream without a copy (`MsgpackWriter.detach`). */
const DETACH_BYTES = 16 * 1024;

/** A running event stream or log monitor of this connection. */
export interface Subscription {
  /** Stops delivery; records already queued are discarded. */
  stop(): void;
}

/** Thrown by a handler when the client broke the protocol: the connection is closed, nothing else. */
export class ProtocolViolation extends Error {
  override name = "ProtocolViolation";
}

/** Server-side state of one client. */
export class RpcConnection {
  readonly name: string;
  readonly ctx: ServerContext;
  /** Protocol version from the handshake; 0 until then. */
  version = 0;
  didAuth = false;
  readonly eventStreams = new Map<number, Subscription>();
  monitor: { seq: number; sub: Subscription } | undefined;
  readonly #pendingQueries: DeadlineMap<number, QueryEvent>;
  #nextQueryId = 0;
  readonly #stream: Stream;
  readonly #reader: StreamReader;
  #writeChain: Promise<void> = Promise.resolve();
  /** Responses encoded but not yet handed to the stream. */
  readonly #out = new MsgpackWriter({ newSpec: true });
  #holding = false;
  #closed = false;
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #closedPromise: Promise<void>;
  #resolveClosed!: () => void;

  constructor(stream: Stream, ctx: ServerContext) {
    this.#stream = stream;
    this.ctx = ctx;
    this.#pendingQueries = new DeadlineMap(ctx.clock);
    this.name = formatAddress(stream.remote);
    this.#reader = new StreamReader(stream, { maxObjectBytes: ctx.maxRequestBytes });
    this.#closedPromise = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves once the connection is closed (by either side). */
  get whenClosed(): Promise<void> {
    return this.#closedPromise;
  }

  /**
   * Reads the next msgpack object: a request header, or the body its command expects.
   * Resolves `null` at a clean end of stream between requests.
   * @throws {DecodeError} on malformed or oversized input
   */
  async readObject(): Promise<unknown> {
    const buffered = this.tryReadObject();
    if (buffered !== undefined) return buffered;
    if ((await this.#reader.peekByte()) === null) return null;
    return await this.#reader.readMsgpack({ maxLength: this.ctx.maxRequestBytes });
  }

  /**
   * The next msgpack object if it has fully arrived already, else `undefined`.
   * @throws {DecodeError} on malformed input
   */
  tryReadObject(): unknown {
    return this.#reader.tryReadMsgpack({ maxLength: this.ctx.maxRequestBytes });
  }

  /**
   * Reads the body of the current request; a missing body is a protocol violation.
   * @throws {ProtocolViolation}
   */
  async readBody(what: string): Promise<unknown> {
    try {
      const body = await this.readObject();
      if (body === null) throw new ProtocolViolation(`decode failed: ${what}: connection ended`);
      return body;
    } catch (err) {
      if (err instanceof ProtocolViolation) throw err;
      throw new ProtocolViolation(`decode failed: ${what}: ${errorMessage(err)}`, { cause: err });
    }
  }

  /**
   * Writes a response header and optional body as one contiguous unit, after every
   * earlier send. Rejects (and closes the connection) when the write fails.
   * While {@linkcode RpcConnection.hold | holding}, only queues the bytes and
   * resolves at once; a failed write later closes the connection.
   * @throws {TypeError} (synchronously) when `body` cannot be encoded; nothing is queued then
   */
  send(seq: number, error: string, body?: MsgpackEncodable): Promise<void> {
    const mark = this.#out.length;
    try {
      writeResponseHeader(this.#out, { seq, error });
      if (body !== undefined) this.#out.write(body);
    } catch (err) {
      this.#out.reset(mark);
      throw err;
    }
    if (this.#holding && this.#out.length < MAX_HELD_BYTES) return RESOLVED;
    return this.#flush();
  }

  /**
   * Holds later responses in memory until {@linkcode RpcConnection.release}: the
   * read loop holds while it answers quick requests that are already buffered.
   */
  hold(): void {
    this.#holding = true;
  }

  /** Stops holding and writes whatever was held, in one write. */
  release(): void {
    this.#holding = false;
    if (this.#out.length > 0) this.#flush().catch(() => {}); // a failed write has closed the connection
  }

  /** Resolves once every write started so far has finished or failed. */
  get written(): Promise<void> {
    return this.#writeChain;
  }

  #flush(): Promise<void> {
    // Small batches are copied out so the writer keeps its buffer; big ones are handed over.
    const frame = this.#out.length < DETACH_BYTES ? this.#out.finish() : this.#out.detach();
    this.#out.reset();
    const write = this.#writeChain.then(async () => {
      if (this.#closed) throw new Error(`Cannot write to ${this.name}: connection closed`);
      try {
        await this.#stream.write(frame);
      } catch (err) {
        this.close();
        throw err;
      }
    });
    this.#writeChain = write.catch(() => {});
    return write;
  }

  /**
   * Remembers a query delivered to this client over a stream so that a later
   * `respond` can answer it; returns the id the client must use. Ids count up per
   * connection. The entry is forgotten at the query's deadline.
   */
  registerQuery(q: QueryEvent): number {
    const id = ++this.#nextQueryId;
    if (!this.#closed) this.#pendingQueries.set(id, q, q.deadline);
    return id;
  }

  /** The pending query with this id, if its deadline has not passed. */
  pendingQuery(id: number): QueryEvent | undefined {
    return this.#pendingQueries.get(id);
  }

  /** Runs a background task (record streaming) that `drain` will wait for. */
  track(task: Promise<unknown>): void {
    const guarded = task.catch((err) => {
      if (!this.#closed) this.ctx.logger.error(`Failed to stream to ${this.name}: ${errorMessage(err)}`);
    });
    this.#tasks.add(guarded);
    guarded.finally(() => this.#tasks.delete(guarded));
  }

  /** Closes the socket and stops every stream and timer of this client. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.close();
    this.monitor?.sub.stop();
    this.monitor = undefined;
    for (const sub of this.eventStreams.values()) sub.stop();
    this.eventStreams.clear();
    this.#pendingQueries.clear();
    this.#resolveClosed();
  }

  /** Resolves when every background task of this connection has finished. */
  async drain(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }
}
