/**
 * A client for Serf's agent RPC, usable against `serf agent` and `serfts agent`
 * alike: what the CLI commands use, and what an application uses to drive an
 * agent or subscribe to its events and logs.
 *
 * One TCP connection carries many requests at once: each gets a sequence number,
 * and a single read loop routes every response (and every streamed record) to
 * the request that owns its number.
 *
 * @module
 */
import { decodeMsgpack, type MsgpackEncodable } from "../codec/msgpack.ts";
import { StreamReader } from "../codec/stream_reader.ts";
import type { Coordinate } from "../coordinate/coordinate.ts";
import { dialStream } from "../transport/detect.ts";
import { DialError } from "../transport/tcp_listener.ts";
import type { Stream } from "../transport/transport.ts";
import { parseAddress } from "../util/addr.ts";
import { errorMessage, TimeoutError } from "../util/errors.ts";
import {
  decodeCoordinateResponse,
  decodeJoinResponse,
  decodeKeyResponse,
  decodeMembersResponse,
  decodeStats,
  eventRequestValue,
  forceLeaveValue,
  handshakeValue,
  joinRequestValue,
  type MembersFilter,
  membersFilterValue,
  respondRequestValue,
  type RpcKeyResponse,
  type RpcMember,
  type RpcStreamRecord,
  singleStringValue,
  stopRequestValue,
  tagsRequestValue,
} from "./bodies.ts";
import {
  type RpcQueryHandlers,
  type RpcQueryParams,
  type RpcStreamHandle,
  type SeqHandler,
  StreamRegistry,
} from "./client_streams.ts";
import { RpcClosedError, RpcError } from "./rpc_errors.ts";
import {
  BODYLESS_ERRORS,
  decodeResponseHeader,
  encodeRpcFrame,
  IPC_VERSION_MAX,
  looksLikeResponseHeader,
  requestHeaderValue,
  type RpcCommand,
} from "./protocol.ts";

export type { RpcKeyResponse, RpcMember, RpcQueryHandlers, RpcQueryParams, RpcStreamHandle, RpcStreamRecord };
export { RpcClosedError, RpcError };

/** Settings for {@linkcode RpcClient.connect}. */
export interface RpcClientOptions {
  /**
   * Token sent with `auth` right after the handshake (`-rpc-auth`).
   * @default {""} (no auth)
   */
  authKey?: string;
  /**
   * Limit for connecting and for each write, in milliseconds (Serf's client default).
   * @default {10000}
   */
  timeoutMs?: number;
}

/** Result of a key command: per-node messages and counts, plus the agent's error if any node failed. */
export interface RpcKeyResult extends RpcKeyResponse {
  /** E.g. "1/2 nodes reported failure"; absent on full success. */
  error?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A connected, handshaken (and authenticated) RPC client.
 *
 * @example
 * ```ts ignore
 * const client = await RpcClient.connect("127.0.0.1:7373");
 * for (const m of await client.members()) console.log(m.name, m.status);
 * client.close();
 * ```
 */
export class RpcClient {
  readonly #stream: Stream;
  readonly #reader: StreamReader;
  readonly #timeoutMs: number;
  readonly #handlers = new Map<number, SeqHandler>();
  readonly #streams: StreamRegistry;
  #seq = 0;
  #closed = false;
  #writeChain: Promise<void> = Promise.resolve();
  readonly #loop: Promise<void>;

  private constructor(stream: Stream, timeoutMs: number) {
    this.#stream = stream;
    this.#timeoutMs = timeoutMs;
    this.#reader = new StreamReader(stream);
    this.#streams = new StreamRegistry({
      nextSeq: () => ++this.#seq,
      register: (seq, h) => this.#handlers.set(seq, h),
      deregister: (seq) => this.#deregister(seq, new RpcClosedError()),
      send: (command, seq, body) => this.#send(command, seq, body),
      stop: (seq) => this.#simple("stop", stopRequestValue(seq)),
    });
    this.#loop = this.#readLoop();
  }

  /**
   * Connects to an agent at `addr` (`host:port`), performs the handshake and, with
   * `authKey`, authentication.
   * @throws {Error} with Go's dial wording on connection failure
   * ("dial tcp 127.0.0.1:7373: connect: connection refused"), or {@linkcode RpcError}
   * when the agent refuses the handshake or token
   */
  static async connect(addr: string, options: RpcClientOptions = {}): Promise<RpcClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let target;
    try {
      target = parseAddress(addr);
    } catch {
      throw new Error(`dial tcp: address ${addr}: missing port in address`);
    }
    let stream: Stream;
    try {
      stream = await dialStream(target, timeoutMs);
    } catch (err) {
      // A DialError already carries Go's text (`dial tcp 127.0.0.1:7373: connect: connection refused`).
      throw new Error(err instanceof DialError ? err.message : `dial tcp ${addr}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const client = new RpcClient(stream, timeoutMs);
    try {
      await client.#simple("handshake", handshakeValue(IPC_VERSION_MAX));
      if (options.authKey) await client.#simple("auth", singleStringValue("AuthKey", options.authKey));
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Every known member. */
  async members(): Promise<RpcMember[]> {
    return this.#value(await this.#call("members", undefined, decodeMembersResponse));
  }

  /** Members whose tags, status and name match the anchored regular expressions ("" matches all). */
  async membersFiltered(tags: Record<string, string>, status = "", name = ""): Promise<RpcMember[]> {
    const filter: MembersFilter = { tags, status, name };
    return this.#value(
      await this.#call("members-filtered", membersFilterValue(filter), decodeMembersResponse),
    );
  }

  /** Sends a user event through the agent. */
  async userEvent(name: string, payload: Uint8Array, coalesce: boolean): Promise<void> {
    await this.#simple("event", eventRequestValue({ name, payload, coalesce }));
  }

  /** Forces a failed node into the left state; `prune` also removes it from the member list. */
  async forceLeave(node: string, prune = false): Promise<void> {
    await this.#simple("force-leave", forceLeaveValue(node, prune));
  }

  /** Asks the agent to join `addrs`; resolves with the number of nodes contacted. */
  async join(addrs: string[], replay = false): Promise<number> {
    return this.#value(await this.#call("join", joinRequestValue(addrs, replay), decodeJoinResponse));
  }

  /** Makes the agent leave the cluster gracefully and shut down. */
  async leave(): Promise<void> {
    await this.#simple("leave");
  }

  /** Sets and deletes tags on the agent. */
  async updateTags(tags: Record<string, string>, deleteKeys: string[] = []): Promise<void> {
    await this.#simple("tags", tagsRequestValue(tags, deleteKeys));
  }

  /** Installs a key (base64) on every member's keyring. */
  installKey(key: string): Promise<RpcKeyResult> {
    return this.#key("install-key", key);
  }

  /** Makes a key (base64) the primary on every member. */
  useKey(key: string): Promise<RpcKeyResult> {
    return this.#key("use-key", key);
  }

  /** Removes a key (base64) from every member. */
  removeKey(key: string): Promise<RpcKeyResult> {
    return this.#key("remove-key", key);
  }

  /** Asks every member for its keys; `keys` counts the holders of each. */
  listKeys(): Promise<RpcKeyResult> {
    return this.#key("list-keys");
  }

  /** The agent's `info` sections (agent, runtime, serf, tags, event_handlers). */
  async stats(): Promise<Record<string, Record<string, string>>> {
    return this.#value(await this.#call("stats", undefined, decodeStats));
  }

  /** The agent's cached coordinate for `node`, or undefined when it has none. */
  async getCoordinate(node: string): Promise<Coordinate | undefined> {
    return this.#value(
      await this.#call("get-coordinate", singleStringValue("Node", node), decodeCoordinateResponse),
    );
  }

  /** Answers a query received on an event stream (`id` from its record). */
  async respond(id: number, payload: Uint8Array): Promise<void> {
    await this.#simple("respond", respondRequestValue(id, payload));
  }

  /**
   * Subscribes to agent log lines at `level` or above ("trace", "debug", "info", "warn", "err").
   * Resolves once the agent accepted; lines then arrive on `onLine`.
   * @throws {RpcError} e.g. "Unknown log level: LOUD" or "Monitor already exists"
   */
  monitor(level: string, onLine: (line: string) => void): Promise<RpcStreamHandle> {
    return this.#streams.monitor(level, onLine);
  }

  /**
   * Subscribes to Serf events matching `filter` ("*", "member-join,user:deploy", ...).
   * `onEvent` gets the decoded record and its raw msgpack bytes.
   * @throws {RpcError} "Invalid event filter" for an unknown event type
   */
  stream(
    filter: string,
    onEvent: (record: RpcStreamRecord, raw: Uint8Array) => void,
  ): Promise<RpcStreamHandle> {
    return this.#streams.stream(filter, onEvent);
  }

  /**
   * Runs a query: `onStarted` fires when the agent accepted it, then acks and
   * responses arrive until its timeout; resolves when the agent says it is done.
   * @throws {RpcError} when the agent refuses the query
   */
  query(params: RpcQueryParams, handlers: RpcQueryHandlers = {}): Promise<void> {
    return this.#streams.query(params, handlers);
  }

  /** Closes the connection; pending requests reject with {@linkcode RpcClosedError} and streams end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.close();
    const err = new RpcClosedError();
    for (const seq of [...this.#handlers.keys()]) this.#deregister(seq, err);
  }

  /** Closes and waits for the read loop to finish. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#loop;
  }

  #deregister(seq: number, err: Error): void {
    const h = this.#handlers.get(seq);
    this.#handlers.delete(seq);
    h?.cleanup(err);
  }

  async #key(op: RpcCommand, key?: string): Promise<RpcKeyResult> {
    const body = key === undefined ? undefined : singleStringValue("Key", key);
    const { error, value } = await this.#call(op, body, decodeKeyResponse);
    const result: RpcKeyResult = value ?? { messages: {}, keys: {}, numNodes: 0, numErr: 0, numResp: 0 };
    if (error) result.error = error;
    return result;
  }

  #value<T>(r: { error: string; value?: T }): T {
    if (r.error) throw new RpcError(r.error);
    return r.value!;
  }

  async #simple(command: RpcCommand, body?: MsgpackEncodable): Promise<void> {
    const { error } = await this.#call(command, body);
    if (error) throw new RpcError(error);
  }

  /** Sends one request and waits for its response header (and body, when `decode` is given). */
  #call<T>(
    command: RpcCommand,
    body: MsgpackEncodable | undefined,
    decode?: (v: unknown) => T,
  ): Promise<{ error: string; value?: T }> {
    if (this.#closed) return Promise.reject(new RpcClosedError());
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#handlers.set(seq, {
        handle: async (header, readBody) => {
          this.#handlers.delete(seq);
          if (!decode || BODYLESS_ERRORS.has(header.error)) return resolve({ error: header.error });
          try {
            resolve({ error: header.error, value: decode(decodeMsgpack(await readBody())) });
          } catch (err) {
            reject(err);
            throw err;
          }
        },
        cleanup: reject,
      });
      this.#send(command, seq, body).catch((err) => this.#deregister(seq, err));
    });
  }

  /** Writes one request, after every earlier one, within the write timeout. */
  #send(command: string, seq: number, body?: MsgpackEncodable): Promise<void> {
    const header = requestHeaderValue({ command, seq });
    const frame = body === undefined ? encodeRpcFrame(header) : encodeRpcFrame(header, body);
    const write = this.#writeChain.then(async () => {
      if (this.#closed) throw new RpcClosedError();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TimeoutError(`Cannot write to agent: timed out after ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
      });
      try {
        await Promise.race([this.#stream.write(frame), timeout]);
      } catch (err) {
        this.close();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    });
    this.#writeChain = write.catch(() => {});
    return write;
  }

  /** Routes every incoming header to its request; ends (closing the client) on EOF or bad input. */
  async #readLoop(): Promise<void> {
    let pending: Uint8Array | undefined;
    const readBody = () => this.#reader.readMsgpackBytes();
    try {
      while (!this.#closed) {
        if (pending === undefined && (await this.#reader.peekByte()) === null) break;
        const bytes = pending ?? await this.#reader.readMsgpackBytes();
        pending = undefined;
        const header = decodeResponseHeader(decodeMsgpack(bytes));
        const handler = this.#handlers.get(header.seq);
        if (handler) {
          await handler.handle(header, readBody);
          continue;
        }
        // A record for a stream we already stopped: skip its body, if one follows.
        if (BODYLESS_ERRORS.has(header.error)) continue;
        if ((await this.#reader.peekByte()) === null) break;
        const next = await this.#reader.readMsgpackBytes();
        if (looksLikeResponseHeader(decodeMsgpack(next))) pending = next;
      }
    } catch {
      // Malformed input or a broken connection: nothing more can be read in step.
    } finally {
      this.close();
    }
  }
}
