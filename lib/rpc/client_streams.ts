/**
 * The client side of the streaming commands. Each request's first response
 * header says whether the agent accepted it; every later header with the same
 * sequence number is followed by one record (a log line, an event, or a query
 * ack/response/done).
 *
 * @module
 */
import { decodeMsgpack, type MsgpackEncodable } from "../codec/msgpack.ts";
import {
  decodeLogRecord,
  decodeQueryRecord,
  decodeStreamRecord,
  queryRequestValue,
  type RpcQueryRequest,
  type RpcStreamRecord,
  singleStringValue,
} from "./bodies.ts";
import { QUERY_RECORD, type ResponseHeader } from "./protocol.ts";
import { RpcError } from "./rpc_errors.ts";

/** Routes one response header (and reads its body, if any) for a request. */
export interface SeqHandler {
  handle(header: ResponseHeader, readBody: () => Promise<Uint8Array>): Promise<void> | void;
  /** The connection closed or the handler was removed. */
  cleanup(err: Error): void;
}

/** Query options for {@linkcode RpcClient.query}; only `name` is required. */
export type RpcQueryParams = Partial<RpcQueryRequest> & { name: string };

/** Callbacks of a running query. */
export interface RpcQueryHandlers {
  /** The agent accepted the query and sent it. */
  onStarted?(): void;
  /** A node acknowledged receipt (only when `requestAck`). */
  onAck?(from: string): void;
  /** A node answered. */
  onResponse?(response: { from: string; payload: Uint8Array }): void;
}

/** A running `monitor` or `stream` subscription. */
export interface RpcStreamHandle {
  /** The sequence number the agent streams under. */
  readonly seq: number;
  /** Resolves when the subscription ends: stopped, or the connection closed. */
  readonly ended: Promise<void>;
  /** Ends the subscription (locally at once, then on the agent). */
  stop(): Promise<void>;
}

/** What the registry needs from its {@linkcode RpcClient}. */
export interface StreamHost {
  nextSeq(): number;
  register(seq: number, handler: SeqHandler): void;
  deregister(seq: number): void;
  send(command: string, seq: number, body?: MsgpackEncodable): Promise<void>;
  stop(seq: number): Promise<void>;
}

/** Starts streaming requests and routes their records. */
export class StreamRegistry {
  readonly #host: StreamHost;

  constructor(host: StreamHost) {
    this.#host = host;
  }

  monitor(level: string, onLine: (line: string) => void): Promise<RpcStreamHandle> {
    return this.#subscribe("monitor", singleStringValue("LogLevel", level), (bytes) => {
      onLine(decodeLogRecord(decodeMsgpack(bytes)));
    });
  }

  stream(
    filter: string,
    onEvent: (record: RpcStreamRecord, raw: Uint8Array) => void,
  ): Promise<RpcStreamHandle> {
    return this.#subscribe("stream", singleStringValue("Type", filter), (bytes) => {
      let record: RpcStreamRecord;
      try {
        record = decodeStreamRecord(decodeMsgpack(bytes));
      } catch {
        return; // an event kind this client does not know: skip it, keep the stream
      }
      onEvent(record, bytes);
    });
  }

  query(params: RpcQueryParams, handlers: RpcQueryHandlers): Promise<void> {
    const request: RpcQueryRequest = {
      filterNodes: params.filterNodes ?? [],
      filterTags: params.filterTags ?? {},
      requestAck: params.requestAck ?? false,
      relayFactor: params.relayFactor ?? 0,
      timeoutMs: params.timeoutMs ?? 0,
      name: params.name,
      payload: params.payload ?? new Uint8Array(),
      ...(params.waitTimeout ? { waitTimeout: true } : {}),
    };
    const seq = this.#host.nextSeq();
    return new Promise((resolve, reject) => {
      let started = false;
      this.#host.register(seq, {
        handle: async (header: ResponseHeader, readBody) => {
          if (!started) {
            started = true;
            if (header.error) {
              reject(new RpcError(header.error));
              return this.#host.deregister(seq);
            }
            handlers.onStarted?.();
            return;
          }
          const rec = decodeQueryRecord(decodeMsgpack(await readBody()));
          // Serf agents keep sending empty acks/responses once their result channels have closed,
          // until the "done" record: they carry nothing (Serf's CLI stops at the first one).
          if (rec.from === "" && rec.type !== QUERY_RECORD.done) return;
          if (rec.type === QUERY_RECORD.ack) handlers.onAck?.(rec.from);
          else if (rec.type === QUERY_RECORD.response) {
            handlers.onResponse?.({ from: rec.from, payload: rec.payload });
          } else if (rec.type === QUERY_RECORD.done) {
            this.#host.deregister(seq);
            resolve();
          }
        },
        cleanup: (err) => (started ? resolve() : reject(err)),
      });
      this.#host.send("query", seq, queryRequestValue(request)).catch(() => this.#host.deregister(seq));
    });
  }

  #subscribe(
    command: "monitor" | "stream",
    body: MsgpackEncodable,
    onRecord: (bytes: Uint8Array) => void,
  ): Promise<RpcStreamHandle> {
    const seq = this.#host.nextSeq();
    let endStream!: () => void;
    const ended = new Promise<void>((resolve) => endStream = resolve);
    let stopped = false;
    const handle: RpcStreamHandle = {
      seq,
      ended,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.#host.deregister(seq);
        await this.#host.stop(seq);
      },
    };
    return new Promise((resolve, reject) => {
      let started = false;
      this.#host.register(seq, {
        handle: async (header, readBody) => {
          if (!started) {
            started = true;
            if (header.error) {
              reject(new RpcError(header.error));
              return this.#host.deregister(seq);
            }
            return resolve(handle);
          }
          onRecord(await readBody());
        },
        cleanup: (err) => {
          endStream();
          if (!started) reject(err);
        },
      });
      this.#host.send(command, seq, body).catch(() => this.#host.deregister(seq));
    });
  }
}
