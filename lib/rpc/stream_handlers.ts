/**
 * The streaming commands: `stream` (Serf events), `monitor` (agent logs),
 * `stop`, `query` (acks and responses until the deadline) and `respond`
 * (answering a query that arrived on this client's event stream).
 *
 * Each stream answers its request first and only then subscribes, so the
 * client always sees the response header before any record. Records queue in
 * a bounded buffer per stream (512, like Serf); when a client reads too slowly
 * new records are dropped with a warning instead of growing memory.
 *
 * @module
 */
import type { MsgpackEncodable } from "../codec/msgpack.ts";
import type { SerfEvent } from "../serf/types.ts";
import { AsyncQueue } from "../util/async.ts";
import { errorMessage } from "../util/errors.ts";
import type { LogLevel } from "../util/log.ts";
import type { RpcQueryResponse } from "./agent_api.ts";
import {
  decodeQueryRequest,
  decodeRespondRequest,
  decodeSingleString,
  decodeStopRequest,
  logRecordValue,
  queryRecordValue,
  streamRecordValue,
} from "./bodies.ts";
import type { RpcConnection, Subscription } from "./connection.ts";
import { anyEventFilterMatches, isValidEventFilter, parseEventFilter } from "./event_filter.ts";
import { QUERY_RECORD, RPC_ERRORS } from "./protocol.ts";

/** Records buffered per stream before new ones are dropped (Serf's channel size). */
const STREAM_BUFFER = 512;

const LEVELS: LogLevel[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERR"];

/**
 * Starts a pump that sends queued items one at a time; `push` drops the item
 * (returning false) when the buffer is full.
 */
function startPump<T>(
  conn: RpcConnection,
  send: (item: T) => Promise<void>,
): Subscription & { push(item: T): boolean } {
  const queue = new AsyncQueue<T>({ capacity: STREAM_BUFFER });
  let stopped = false;
  conn.track((async () => {
    for await (const item of queue) {
      if (stopped || conn.closed) return;
      await send(item);
    }
  })());
  return {
    push(item: T): boolean {
      if (stopped) return true;
      if (queue.size >= STREAM_BUFFER) return false;
      return queue.push(item);
    },
    stop() {
      stopped = true;
      queue.close();
    },
  };
}

/** A subscription that stops its pump and, once subscribed, unsubscribes from the agent. */
function subscription(pump: Subscription): Subscription & { unsubscribe?: () => void } {
  const sub: Subscription & { unsubscribe?: () => void } = {
    stop() {
      sub.unsubscribe?.();
      sub.unsubscribe = undefined;
      pump.stop();
    },
  };
  return sub;
}

/** `stream`: subscribe this client to Serf events matching a filter. */
export async function handleStream(conn: RpcConnection, seq: number): Promise<void> {
  const type = decodeSingleString(await conn.readBody("stream"), "Type");
  const filters = parseEventFilter(type);
  if (!filters.every(isValidEventFilter)) return await conn.send(seq, RPC_ERRORS.invalidFilter);
  if (conn.eventStreams.has(seq)) return await conn.send(seq, RPC_ERRORS.streamExists);

  const pump = startPump<SerfEvent>(conn, (event) => conn.send(seq, "", eventRecord(conn, event)));
  const sub = subscription(pump);
  conn.eventStreams.set(seq, sub);
  await conn.send(seq, "");
  if (conn.closed || conn.eventStreams.get(seq) !== sub) return;
  sub.unsubscribe = conn.ctx.agent.subscribeEvents((event) => {
    if (!anyEventFilterMatches(filters, event)) return;
    if (!pump.push(event)) conn.ctx.logger.warn(`Dropping event to ${conn.name}`);
  });
}

/** The record for one event; a query gets an id this client can `respond` to. */
function eventRecord(conn: RpcConnection, event: SerfEvent): MsgpackEncodable {
  if (event.type === "user") {
    return streamRecordValue({
      event: "user",
      lTime: event.lTime,
      name: event.name,
      payload: event.payload,
      coalesce: event.coalesce,
    });
  }
  if (event.type === "query") {
    const id = conn.registerQuery(event);
    return streamRecordValue({
      event: "query",
      id,
      lTime: event.lTime,
      name: event.name,
      payload: event.payload,
    });
  }
  return streamRecordValue({ event: event.type, members: event.members });
}

/**
 * The level a log line was written at: the text between its first `[` and the
 * next `]`, as Serf's level filter reads it ("" when there is none).
 */
export function logLineLevel(line: string): string {
  const open = line.indexOf("[");
  if (open < 0) return "";
  const close = line.indexOf("]", open);
  return close < 0 ? "" : line.slice(open + 1, close);
}

/** True when a line passes a minimum level; lines at unknown levels always pass, as in Serf. */
export function logLinePasses(line: string, minLevel: LogLevel): boolean {
  const rank = LEVELS.indexOf(logLineLevel(line) as LogLevel);
  return rank < 0 || rank >= LEVELS.indexOf(minLevel);
}

/** `monitor`: stream agent log lines at or above a level. */
export async function handleMonitor(conn: RpcConnection, seq: number): Promise<void> {
  const level = decodeSingleString(await conn.readBody("monitor"), "LogLevel").toUpperCase();
  if (!LEVELS.includes(level as LogLevel)) return await conn.send(seq, `Unknown log level: ${level}`);
  if (conn.monitor) return await conn.send(seq, RPC_ERRORS.monitorExists);

  let dropped = false;
  const pump = startPump<string>(conn, (line) => conn.send(seq, "", logRecordValue(line)));
  const sub = subscription(pump);
  conn.monitor = { seq, sub };
  await conn.send(seq, "");
  if (conn.closed || conn.monitor?.sub !== sub) return;
  sub.unsubscribe = conn.ctx.agent.subscribeLogs(level, (line) => {
    if (!logLinePasses(line, level as LogLevel)) return;
    // Logging the drop would feed this very monitor: warn once per burst, asynchronously.
    if (!pump.push(line) && !dropped) {
      dropped = true;
      queueMicrotask(() => {
        conn.ctx.logger.warn(`Dropping logs to ${conn.name}`);
        dropped = false;
      });
    }
  });
}

/** `stop`: end the monitor or event stream started with sequence `Stop`. Always succeeds. */
export async function handleStop(conn: RpcConnection, seq: number): Promise<void> {
  const target = decodeStopRequest(await conn.readBody("stop"));
  if (conn.monitor?.seq === target) {
    conn.monitor.sub.stop();
    conn.monitor = undefined;
  }
  const stream = conn.eventStreams.get(target);
  if (stream) {
    stream.stop();
    conn.eventStreams.delete(target);
  }
  await conn.send(seq, "");
}

/** `query`: start a query and stream its acks and responses, then a "done" record. */
export async function handleQuery(conn: RpcConnection, seq: number): Promise<void> {
  const req = decodeQueryRequest(await conn.readBody("query"));
  let resp: RpcQueryResponse;
  try {
    resp = await conn.ctx.agent.query(req.name, req.payload, {
      filterNodes: req.filterNodes,
      filterTags: req.filterTags,
      requestAck: req.requestAck,
      relayFactor: req.relayFactor,
      timeoutMs: req.timeoutMs,
      waitForTimeout: req.waitTimeout === true,
    });
  } catch (err) {
    return await conn.send(seq, errorMessage(err) || "unknown error");
  }
  await conn.send(seq, "");
  conn.track(streamQueryResults(conn, seq, resp));
}

async function streamQueryResults(conn: RpcConnection, seq: number, resp: RpcQueryResponse): Promise<void> {
  let finished = false;
  const pumpAll = async <T>(items: AsyncIterable<T> | undefined, record: (item: T) => MsgpackEncodable) => {
    if (!items) return;
    for await (const item of items) {
      if (finished || conn.closed) return;
      await conn.send(seq, "", record(item));
    }
  };
  const pumps = Promise.all([
    pumpAll(
      resp.acks,
      (from) => queryRecordValue({ type: QUERY_RECORD.ack, from, payload: new Uint8Array() }),
    ),
    pumpAll(
      resp.responses,
      (r) => queryRecordValue({ type: QUERY_RECORD.response, from: r.from, payload: r.payload }),
    ),
  ]);
  const clock = conn.ctx.clock;
  let timer: { cancel(): boolean } | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = clock.setTimer(Math.max(0, resp.deadline - clock.now()), resolve);
  });
  try {
    await Promise.race([pumps, deadline, conn.whenClosed]);
  } finally {
    finished = true;
    timer?.cancel();
  }
  if (conn.closed) return;
  await conn.send(
    seq,
    "",
    queryRecordValue({ type: QUERY_RECORD.done, from: "", payload: new Uint8Array() }),
  );
}

/** `respond`: answer a query that reached this client through its event stream. */
export async function handleRespond(conn: RpcConnection, seq: number): Promise<void> {
  const req = decodeRespondRequest(await conn.readBody("respond"));
  const query = conn.pendingQuery(req.id);
  let error = "";
  if (!query) error = RPC_ERRORS.invalidQueryId;
  else {
    try {
      query.respond(req.payload);
    } catch (err) {
      error = errorMessage(err);
    }
  }
  await conn.send(seq, error);
}
