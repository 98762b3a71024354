/**
 * Request/response command handlers and the dispatcher. Each handler reads its
 * own body (so an unparseable body ends only that client), calls the agent, and
 * answers with Serf's header and body shapes. Streaming commands live in
 * `stream_handlers.ts`.
 *
 * @module
 */
import type { MsgpackEncodable } from "../codec/msgpack.ts";
import { errorMessage } from "../util/errors.ts";
import type { AgentKeyResult, RpcAgent } from "./agent_api.ts";
import {
  coordinateResponseValue,
  decodeEventRequest,
  decodeForceLeave,
  decodeHandshake,
  decodeJoinRequest,
  decodeMembersFilter,
  decodeSingleString,
  decodeTagsRequest,
  joinResponseValue,
  keyResponseValue,
  type MembersFilter,
  membersResponseValue,
  type RpcMember,
} from "./bodies.ts";
import type { RpcConnection } from "./connection.ts";
import {
  IPC_VERSION_MAX,
  IPC_VERSION_MIN,
  isRpcCommand,
  requestHasBody,
  RPC_ERRORS,
  type RpcCommand,
} from "./protocol.ts";
import { handleMonitor, handleQuery, handleRespond, handleStop, handleStream } from "./stream_handlers.ts";

/** What a handler tells the read loop: keep serving, or close this client. */
export type HandlerOutcome = "continue" | "close";

type Handler = (conn: RpcConnection, seq: number) => Promise<HandlerOutcome | void>;

/**
 * Answers a quick command given its decoded body (`null` for a command without
 * one). Returns a promise only when the agent call turned out to be asynchronous.
 */
type QuickHandler = (conn: RpcConnection, seq: number, body: unknown) => void | Promise<void>;

/**
 * Commands answered without waiting on the network or a timer. When the body
 * has already arrived they run synchronously, without a promise per request
 * (see `QUICK_COMMANDS` in server.ts, which lets their answers be batched).
 */
const QUICK_HANDLERS: ReadonlyMap<string, QuickHandler> = new Map<RpcCommand, QuickHandler>([
  ["handshake", answerHandshake],
  ["auth", answerAuth],
  ["event", answerEvent],
  ["members", (conn, seq) => answerMembers(conn, seq, undefined)],
  ["members-filtered", (conn, seq, body) => answerMembers(conn, seq, decodeMembersFilter(body))],
  ["stats", answerStats],
  ["get-coordinate", answerGetCoordinate],
]);

/** Reads the body of a quick command (when it has one), then answers. */
function viaBody(command: RpcCommand, answer: QuickHandler): Handler {
  return async (conn, seq) => {
    const body = requestHasBody(command) ? await conn.readBody(command) : null;
    await answer(conn, seq, body);
  };
}

/** Sends an answer whose write failure needs no handling here: a failed write closes the connection. */
function answer(conn: RpcConnection, seq: number, error: string, body?: MsgpackEncodable): void {
  conn.send(seq, error, body).catch(() => {});
}

const HANDLERS: Record<RpcCommand, Handler> = {
  "handshake": viaBody("handshake", answerHandshake),
  "auth": viaBody("auth", answerAuth),
  "event": viaBody("event", answerEvent),
  "force-leave": handleForceLeave,
  "join": handleJoin,
  "members": viaBody("members", (conn, seq) => answerMembers(conn, seq, undefined)),
  "members-filtered": viaBody(
    "members-filtered",
    (conn, seq, body) => answerMembers(conn, seq, decodeMembersFilter(body)),
  ),
  "tags": handleTags,
  "stream": handleStream,
  "monitor": handleMonitor,
  "stop": handleStop,
  "leave": handleLeave,
  "query": handleQuery,
  "respond": handleRespond,
  "install-key": (conn, seq) => handleKey(conn, seq, "install-key"),
  "use-key": (conn, seq) => handleKey(conn, seq, "use-key"),
  "remove-key": (conn, seq) => handleKey(conn, seq, "remove-key"),
  "list-keys": (conn, seq) => handleKey(conn, seq, "list-keys"),
  "stats": viaBody("stats", answerStats),
  "get-coordinate": viaBody("get-coordinate", answerGetCoordinate),
};

/**
 * Runs one request whose header has been read: enforces handshake-first and auth,
 * then calls the command's handler. A quick command whose body is already
 * buffered is answered synchronously (no promise returned).
 * @throws {ProtocolViolation} when the body cannot be decoded (the caller closes the client)
 */
export function dispatchRequest(
  conn: RpcConnection,
  command: string,
  seq: number,
): HandlerOutcome | Promise<HandlerOutcome> {
  const quick = QUICK_HANDLERS.get(command);
  if (
    quick !== undefined && (conn.version !== 0 || command === "handshake") &&
    (conn.ctx.authKey === "" || conn.didAuth || command === "auth" || command === "handshake")
  ) {
    const body = requestHasBody(command as RpcCommand) ? conn.tryReadObject() : null;
    if (body !== undefined) {
      const pending = quick(conn, seq, body);
      return pending === undefined ? "continue" : pending.then(() => "continue");
    }
  }
  return dispatchWithChecks(conn, command, seq);
}

async function dispatchWithChecks(
  conn: RpcConnection,
  command: string,
  seq: number,
): Promise<HandlerOutcome> {
  if (command !== "handshake" && conn.version === 0) {
    // Serf answers, then drops the client: nothing it sends afterwards can be trusted to be framed.
    await conn.send(seq, RPC_ERRORS.handshakeRequired).catch(() => {});
    return "close";
  }
  if (!isRpcCommand(command)) {
    conn.ctx.logger.error(`Failed to evaluate request: command '${command}' not recognized`);
    await conn.send(seq, RPC_ERRORS.unsupportedCommand).catch(() => {});
    return "close";
  }
  if (conn.ctx.authKey !== "" && !conn.didAuth && command !== "auth" && command !== "handshake") {
    conn.ctx.logger.warn("Client sending commands before auth");
    // Unlike Serf, consume the body so the next header is read in step.
    if (requestHasBody(command)) await conn.readBody(command);
    await conn.send(seq, RPC_ERRORS.authRequired);
    return "continue";
  }
  return (await HANDLERS[command](conn, seq)) ?? "continue";
}

/** Serf's error text for a failed agent call. */
function errText(err: unknown): string {
  return errorMessage(err) || "unknown error";
}

function answerHandshake(conn: RpcConnection, seq: number, body: unknown): void {
  const version = decodeHandshake(body);
  let error = "";
  if (version < IPC_VERSION_MIN || version > IPC_VERSION_MAX) error = RPC_ERRORS.unsupportedIpcVersion;
  else if (conn.version !== 0) error = RPC_ERRORS.duplicateHandshake;
  else conn.version = version;
  answer(conn, seq, error);
}

function answerAuth(conn: RpcConnection, seq: number, body: unknown): void {
  const key = decodeSingleString(body, "AuthKey");
  let error = "";
  if (key === conn.ctx.authKey) conn.didAuth = true;
  else error = RPC_ERRORS.invalidAuthToken;
  answer(conn, seq, error);
}

function answerEvent(conn: RpcConnection, seq: number, body: unknown): void | Promise<void> {
  const req = decodeEventRequest(body);
  let sent;
  try {
    sent = conn.ctx.agent.userEvent(req.name, req.payload, req.coalesce);
  } catch (err) {
    return answer(conn, seq, errText(err));
  }
  if (sent === undefined) return answer(conn, seq, "");
  return sent.then(() => answer(conn, seq, ""), (err) => answer(conn, seq, errText(err)));
}

async function handleForceLeave(conn: RpcConnection, seq: number): Promise<void> {
  const req = decodeForceLeave(await conn.readBody("force-leave"));
  let error = "";
  try {
    await conn.ctx.agent.forceLeave(req.node, req.prune);
  } catch (err) {
    error = errText(err);
  }
  await conn.send(seq, error);
}

async function handleJoin(conn: RpcConnection, seq: number): Promise<void> {
  const req = decodeJoinRequest(await conn.readBody("join"));
  let num = 0;
  let error = "";
  try {
    num = await conn.ctx.agent.join(req.existing, req.replay);
  } catch (err) {
    error = errText(err);
    num = (err as { contacted?: number }).contacted ?? 0;
  }
  await conn.send(seq, error, joinResponseValue(num));
}

/** `members`, or `members-filtered` when given a filter. */
function answerMembers(conn: RpcConnection, seq: number, filter: MembersFilter | undefined): void {
  let members: RpcMember[] = conn.ctx.agent.members();
  if (filter !== undefined) {
    try {
      members = filterMembers(members, filter);
    } catch (err) {
      // Serf drops the client here; an error reply (with the empty body Go clients expect) is kinder.
      return answer(conn, seq, errText(err), membersResponseValue([]));
    }
  }
  answer(conn, seq, "", conn.ctx.memberRecords.responseValue(members));
}

/** Anchors an expression as Serf does (`^expr$`, no grouping) and compiles it. */
function anchored(expr: string): RegExp {
  try {
    return new RegExp(`^${expr}$`);
  } catch (err) {
    throw new SyntaxError(`Failed to compile regex: ${errorMessage(err)}`);
  }
}

/**
 * Serf's member filter: every tag regex must match the tag's value ("" when
 * absent), and status and name must match when given.
 * @throws {SyntaxError} "Failed to compile regex: ..." for a bad expression
 */
export function filterMembers(members: RpcMember[], f: MembersFilter): RpcMember[] {
  const tagRes = Object.entries(f.tags).map(([tag, expr]) => [tag, anchored(expr)] as const);
  const statusRe = anchored(f.status);
  const nameRe = anchored(f.name);
  return members.filter((m) =>
    tagRes.every(([tag, re]) => re.test(m.tags[tag] ?? "")) &&
    (f.status === "" || statusRe.test(m.status)) &&
    (f.name === "" || nameRe.test(m.name))
  );
}

async function handleTags(conn: RpcConnection, seq: number): Promise<void> {
  const req = decodeTagsRequest(await conn.readBody("tags"));
  let error = "";
  try {
    await conn.ctx.agent.setTags(req.tags, req.deleteTags);
  } catch (err) {
    error = errText(err);
  }
  await conn.send(seq, error);
}

async function handleLeave(conn: RpcConnection, seq: number): Promise<void> {
  conn.ctx.logger.info("Graceful leave triggered");
  let error = "";
  try {
    await conn.ctx.agent.leave();
  } catch (err) {
    error = errText(err);
    conn.ctx.logger.error(`leave failed: ${error}`);
  }
  await conn.send(seq, error).catch(() => {});
  // Not awaited: the agent's shutdown may close this server, which waits for this connection.
  conn.ctx.agent.shutdown().catch((err) => conn.ctx.logger.error(`shutdown failed: ${errorMessage(err)}`));
}

type KeyCommand = "install-key" | "use-key" | "remove-key" | "list-keys";

function runKeyCommand(agent: RpcAgent, op: KeyCommand, key: string): Promise<AgentKeyResult> {
  switch (op) {
    case "install-key":
      return agent.installKey(key);
    case "use-key":
      return agent.useKey(key);
    case "remove-key":
      return agent.removeKey(key);
    case "list-keys":
      return agent.listKeys();
  }
}

async function handleKey(conn: RpcConnection, seq: number, op: KeyCommand): Promise<void> {
  const key = op === "list-keys" ? "" : decodeSingleString(await conn.readBody(op), "Key");
  let error = "";
  let body: AgentKeyResult["response"] = {
    messages: {},
    keys: {},
    primaryKeys: {},
    numNodes: 0,
    numErr: 0,
    numResp: 0,
  };
  try {
    const result = await runKeyCommand(conn.ctx.agent, op, key);
    body = result.response;
    error = result.error ?? "";
  } catch (err) {
    error = errText(err);
  }
  await conn.send(seq, error, keyResponseValue(body, op === "list-keys"));
}

function answerStats(conn: RpcConnection, seq: number): void {
  answer(conn, seq, "", conn.ctx.agent.stats());
}

function answerGetCoordinate(conn: RpcConnection, seq: number, body: unknown): void {
  const node = decodeSingleString(body, "Node");
  answer(conn, seq, "", coordinateResponseValue(conn.ctx.agent.getCoordinate(node)));
}
