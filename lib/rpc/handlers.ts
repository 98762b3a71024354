/**
 * Request/response command handlers and the dispatcher. Each handler reads its
 * own body (so an unparseable body ends only that client), calls the agent, and
 * answers with Serf's header and body shapes. Streaming commands live in
 * `stream_handlers.ts`.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import type { RpcAgent, RpcKeyResult } from "./agent_api.ts";
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

const HANDLERS: Record<RpcCommand, Handler> = {
  "handshake": handleHandshake,
  "auth": handleAuth,
  "event": handleEvent,
  "force-leave": handleForceLeave,
  "join": handleJoin,
  "members": (conn, seq) => handleMembers(conn, seq, false),
  "members-filtered": (conn, seq) => handleMembers(conn, seq, true),
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
  "stats": handleStats,
  "get-coordinate": handleGetCoordinate,
};

/**
 * Runs one request whose header has been read: enforces handshake-first and auth,
 * then calls the command's handler.
 * @throws {ProtocolViolation} when the body cannot be decoded (the caller closes the client)
 */
export async function dispatchRequest(
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

async function handleHandshake(conn: RpcConnection, seq: number): Promise<void> {
  const version = decodeHandshake(await conn.readBody("handshake"));
  let error = "";
  if (version < IPC_VERSION_MIN || version > IPC_VERSION_MAX) error = RPC_ERRORS.unsupportedIpcVersion;
  else if (conn.version !== 0) error = RPC_ERRORS.duplicateHandshake;
  else conn.version = version;
  await conn.send(seq, error);
}

async function handleAuth(conn: RpcConnection, seq: number): Promise<void> {
  const key = decodeSingleString(await conn.readBody("auth"), "AuthKey");
  let error = "";
  if (key === conn.ctx.authKey) conn.didAuth = true;
  else error = RPC_ERRORS.invalidAuthToken;
  await conn.send(seq, error);
}

async function handleEvent(conn: RpcConnection, seq: number): Promise<void> {
  const req = decodeEventRequest(await conn.readBody("event"));
  let error = "";
  try {
    await conn.ctx.agent.userEvent(req.name, req.payload, req.coalesce);
  } catch (err) {
    error = errText(err);
  }
  await conn.send(seq, error);
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

async function handleMembers(conn: RpcConnection, seq: number, filtered: boolean): Promise<void> {
  let members: RpcMember[] = conn.ctx.agent.members();
  if (filtered) {
    const filter = decodeMembersFilter(await conn.readBody("members-filtered"));
    try {
      members = filterMembers(members, filter);
    } catch (err) {
      // Serf drops the client here; an error reply (with the empty body Go clients expect) is kinder.
      await conn.send(seq, errText(err), membersResponseValue([]));
      return;
    }
  }
  await conn.send(seq, "", conn.ctx.memberRecords.responseValue(members));
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

function runKeyCommand(agent: RpcAgent, op: KeyCommand, key: string): Promise<RpcKeyResult> {
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
  let body: RpcKeyResult["response"] = {
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

async function handleStats(conn: RpcConnection, seq: number): Promise<void> {
  await conn.send(seq, "", conn.ctx.agent.stats());
}

async function handleGetCoordinate(conn: RpcConnection, seq: number): Promise<void> {
  const node = decodeSingleString(await conn.readBody("get-coordinate"), "Node");
  await conn.send(seq, "", coordinateResponseValue(conn.ctx.agent.getCoordinate(node)));
}
