/**
 * The TCP path: push/pull anti-entropy (also how joins work), reliable user
 * messages, and the TCP fallback ping. A stream message is a type byte and
 * msgpack objects, optionally wrapped in LZW compression and then AES-GCM
 * (`[encrypt][u32 length][ciphertext]`, the 5-byte header authenticated),
 * optionally preceded by a label header.
 *
 * @module
 */
import { formatAddress } from "../util/addr.ts";
import { DecodeError, errorMessage, SecurityError, TimeoutError } from "../util/errors.ts";
import type { Address, Stream } from "../transport/transport.ts";
import { goStreamErrorText } from "../transport/go_net_error.ts";
import { BufferFrameReader, type FrameReader, StreamFrameReader } from "./frame_reader.ts";
import type { Engine } from "./engine.ts";
import { MessageType, type PingMessage } from "./messages.ts";
import { nodeAddress, type NodeRecord, snapshotNode } from "./node.ts";
import { ackPayload, type StreamAck } from "./probe.ts";
import { readPushNodeState, writePushNodeState } from "./push_state_codec.ts";
import { MsgpackWriter } from "../codec/msgpack.ts";
import { encryptionEnabled, encryptionVersion } from "./outbound.ts";
import { decryptPayload, encryptedLength, encryptPayload } from "./security.ts";
import { mergeState, type RemoteNodeState, verifyProtocol } from "./state_machine.ts";
import {
  checkPushPullHeader,
  checkUserMsgHeader,
  MAX_DECOMPRESSED_BYTES,
  MAX_PUSH_STATE_BYTES,
  PUSH_STATE_WARN_BYTES,
} from "./limits.ts";
import {
  addLabelHeader,
  compressPayload,
  decodeBody,
  decodePushPullHeader,
  decodeUserMsgHeader,
  decompressPayload,
  encodeMessage,
  encodePushPullHeader,
  encodeUserMsgHeader,
} from "./wire.ts";
import { concatBytes } from "../util/bytes.ts";

/** Shared encoder: labels are encoded on every packet, so do not construct one each time. */
const utf8 = new TextEncoder();

export { MAX_PUSH_STATE_BYTES } from "./limits.ts";

/**
 * Most bytes one inbound stream may carry: the largest decompressed message
 * plus room for its envelope, so a push/pull at every limit still fits.
 */
const MAX_STREAM_BYTES = MAX_DECOMPRESSED_BYTES + 1024;

/** Concurrent inbound push/pulls allowed before refusing more. */
export const MAX_PUSH_PULL_REQUESTS = 128;

/** Compresses, encrypts and labels a complete stream message, then writes it. */
export async function sendStreamMessage(m: Engine, stream: Stream, message: Uint8Array): Promise<void> {
  let buf = message;
  if (m.config.enableCompression) buf = compressPayload(buf);
  if (encryptionEnabled(m) && m.config.gossipVerifyOutgoing) {
    const vsn = encryptionVersion(m.config.protocolVersion);
    const header = new Uint8Array(5);
    header[0] = MessageType.encrypt;
    new DataView(header.buffer).setUint32(1, encryptedLength(vsn, buf.length));
    const aad = concatBytes([header, utf8.encode(m.config.label)]);
    buf = concatBytes([header, encryptPayload(vsn, m.config.keyring!.getPrimaryKey()!, buf, aad)]);
  }
  if (m.config.label) buf = addLabelHeader(buf, m.config.label);
  m.metrics.incrCounter(["memberlist", "tcp", "sent"], buf.length);
  m.stats.tcpBytesSent += buf.length;
  await stream.write(buf);
}

/** Adds a chunk read from a gossip stream to the TCP byte count (memberlist itself has no such metric). */
function countReceived(m: Engine, chunk: Uint8Array | null): Uint8Array | null {
  if (chunk) m.stats.tcpBytesReceived += chunk.length;
  return chunk;
}

/**
 * Reads the envelope of an incoming stream message and returns its type and a
 * reader positioned at its body.
 * @throws {DecodeError | SecurityError | TimeoutError} on anything unacceptable
 */
export async function readStreamMessage(
  m: Engine,
  stream: Stream,
  deadline: number,
): Promise<{ type: number; reader: FrameReader }> {
  const counted = { read: () => stream.read().then((chunk) => countReceived(m, chunk)) };
  let reader: FrameReader = new StreamFrameReader(counted, m.clock, deadline, MAX_STREAM_BYTES);
  let type = await reader.readByte();
  let label = "";
  if (type === MessageType.hasLabel) {
    const len = await reader.readByte();
    label = new TextDecoder().decode(await reader.readExact(len));
    type = await reader.readByte();
  }
  if (label !== m.config.label && !(label === "" && m.config.skipInboundLabelCheck)) {
    throw new SecurityError(`Discarding stream with unacceptable label "${label}"`);
  }
  if (type === MessageType.encrypt) {
    if (!encryptionEnabled(m)) {
      throw new SecurityError("Remote state is encrypted and encryption is not configured");
    }
    const lenBytes = await reader.readExact(4);
    const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0);
    if (len > MAX_PUSH_STATE_BYTES) throw new DecodeError(`Remote node state is larger than limit (${len})`);
    warnLargeRemoteState(m, len);
    const cipher = await reader.readExact(len);
    const aad = concatBytes([new Uint8Array([MessageType.encrypt]), lenBytes, utf8.encode(label)]);
    const plain = decryptPayload(m.config.keyring!.getKeys(), cipher, aad);
    if (plain.length < 1) throw new DecodeError("Decrypted stream message is empty");
    type = plain[0]!;
    reader = new BufferFrameReader(plain.subarray(1));
  } else if (encryptionEnabled(m) && m.config.gossipVerifyIncoming) {
    throw new SecurityError("Encryption is configured but remote state is not encrypted");
  }
  if (type === MessageType.compress) {
    const inner = decompressPayload(await reader.readObjectBytes());
    type = inner[0]!;
    reader = new BufferFrameReader(inner.subarray(1));
  }
  return { type, reader };
}

/** Encodes our full state for push/pull: type byte, header, every node, then the delegate's state. */
function encodeLocalState(m: Engine, join: boolean): Uint8Array {
  const nodes = m.nodes.all();
  const userState = m.config.delegate
    ? m.safeCall("delegate localState", () => m.config.delegate!.localState(join)) ?? new Uint8Array()
    : new Uint8Array();
  const writer = stateWriter;
  writer.reset();
  writer.writeRaw(PUSH_PULL_TYPE)
    .writeRaw(encodePushPullHeader({ nodes: nodes.length, userStateLen: userState.length, join }));
  for (const n of nodes) writePushNodeState(writer, n);
  return writer.writeRaw(userState).finish();
}

/** Encoding is synchronous, so one writer (and its grown buffer) serves every push/pull of the process. */
const stateWriter = new MsgpackWriter();

const PUSH_PULL_TYPE = new Uint8Array([MessageType.pushPull]);

/**
 * Warns when remote state nears {@linkcode MAX_PUSH_STATE_BYTES}: memberlist
 * does so for an encrypted stream's length; we also do it for a plaintext
 * push/pull's user state, which has no other size to go by.
 */
function warnLargeRemoteState(m: Engine, size: number): void {
  if (size > PUSH_STATE_WARN_BYTES) {
    m.log.warn(`Remote node state size is (${size}) limit is (${MAX_PUSH_STATE_BYTES})`);
  }
}

interface RemoteState {
  join: boolean;
  nodes: RemoteNodeState[];
  userState: Uint8Array;
}

async function readRemoteState(m: Engine, reader: FrameReader): Promise<RemoteState> {
  const header = decodePushPullHeader(await reader.readObjectBytes());
  checkPushPullHeader(header);
  warnLargeRemoteState(m, header.userStateLen);
  const nodes: RemoteNodeState[] = [];
  // One await per record even when the bytes are all in memory: reading them
  // synchronously would let the merge run a few microtask turns earlier, which
  // reorders the simulator's events (same seed, different run).
  for (let i = 0; i < header.nodes; i++) {
    const bytes = await reader.readObjectBytes();
    nodes.push(withPort(m, readPushNodeState(bytes, 0, bytes.length)));
  }
  const userState = header.userStateLen > 0 ? await reader.readExact(header.userStateLen) : new Uint8Array();
  return { join: header.join, nodes, userState };
}

/** A record's port, with 0 (an old peer that sent none) read as our own bind port. */
function withPort(m: Engine, s: RemoteNodeState): RemoteNodeState {
  if (s.port === 0) s.port = m.config.bindPort;
  return s;
}

function mergeRemoteState(m: Engine, remote: RemoteState): void {
  const incompatible = verifyProtocol(m, remote.nodes);
  if (incompatible) throw new Error(incompatible);
  const merge = m.config.merge;
  if (remote.join && merge) {
    const peers = remote.nodes.map((n) => {
      // A version array shorter than six entries says nothing reliable: all zero, as memberlist 0.6 does.
      const v = n.vsn.length >= 6 ? n.vsn : [0, 0, 0, 0, 0, 0];
      return snapshotNode({
        name: n.name,
        addr: n.addr,
        port: n.port,
        meta: n.meta,
        state: n.state as 0 | 1 | 2 | 3,
        pMin: v[0]!,
        pMax: v[1]!,
        pCur: v[2]!,
        dMin: v[3]!,
        dMax: v[4]!,
        dCur: v[5]!,
      });
    });
    const veto = merge.notifyMerge(peers);
    if (veto) throw new Error(veto);
  }
  mergeState(m, remote.nodes);
  if (remote.userState.length > 0 && m.config.delegate) {
    m.safeCall(
      "delegate mergeRemoteState",
      () => m.config.delegate!.mergeRemoteState(remote.userState, remote.join),
    );
  }
}

/**
 * Exchanges full state with the node at `to` (anti-entropy, or a join).
 * @throws when the peer cannot be reached or its answer is unacceptable
 */
export async function pushPullNode(m: Engine, to: Address, join: boolean, name = ""): Promise<void> {
  const started = m.metrics.start();
  try {
    await exchangeState(m, to, join, name);
  } finally {
    m.metrics.measureSince(["memberlist", "pushPullNode"], started);
  }
}

async function exchangeState(m: Engine, to: Address, join: boolean, name: string): Promise<void> {
  const stream = await m.transport.dial(to, m.config.tcpTimeoutMs);
  // Go's words, name empty for a join: operators follow a join or an anti-entropy round in a debug log by these.
  m.log.debug(`Initiating push/pull sync with: ${name} ${formatAddress(stream.remote)}`);
  m.metrics.incrCounter(["memberlist", "tcp", "connect"]);
  try {
    m.stats.pushPulls++;
    await sendStreamMessage(m, stream, encodeLocalState(m, join));
    const { type, reader } = await readStreamMessage(m, stream, m.clock.now() + m.config.tcpTimeoutMs);
    if (type === MessageType.err) {
      const err = decodeBody(MessageType.err, await reader.readObjectBytes());
      throw new Error(`remote error: ${err.type === "err" ? err.error : "unknown"}`);
    }
    if (type !== MessageType.pushPull) {
      throw new DecodeError(
        `received invalid msgType (${type}), expected pushPullMsg (${MessageType.pushPull})`,
      );
    }
    mergeRemoteState(m, await readRemoteState(m, reader));
  } catch (err) {
    // memberlist reports a broken exchange in Go's words (`EOF`, `read tcp a->b: i/o timeout`).
    const goText = goStreamErrorText(err, stream);
    if (goText === errorMessage(err)) throw err;
    throw err instanceof TimeoutError
      ? new TimeoutError(goText, { cause: err })
      : new Error(goText, { cause: err });
  } finally {
    stream.close();
  }
}

/**
 * Sends a user message over TCP (for messages too large or too important for
 * UDP, and every message in TCP-only mode): one userMsg stream per message.
 * @param dialTimeoutMs how long the connect may take @default tcpTimeoutMs
 */
export async function sendUserStream(
  m: Engine,
  to: Address,
  msg: Uint8Array,
  dialTimeoutMs: number = m.config.tcpTimeoutMs,
): Promise<void> {
  const stream = await m.transport.dial(to, dialTimeoutMs);
  try {
    await sendStreamMessage(
      m,
      stream,
      concatBytes([new Uint8Array([MessageType.user]), encodeUserMsgHeader({ userMsgLen: msg.length }), msg]),
    );
  } finally {
    stream.close();
  }
}

/**
 * The TCP fallback probe: ping over a stream and wait for the matching ack.
 * Resolves undefined when the node cannot be dialled or the deadline passes;
 * rejects on protocol errors. The round trip runs from the ping's write to
 * the ack's arrival, so the dial is not in it.
 */
export async function streamPing(
  m: Engine,
  node: NodeRecord,
  ping: PingMessage,
  deadline: number,
): Promise<StreamAck | undefined> {
  const remaining = deadline - m.clock.now();
  if (remaining <= 0) return undefined;
  let stream: Stream;
  try {
    stream = await m.transport.dial(nodeAddress(node), remaining);
  } catch {
    return undefined;
  }
  try {
    const sent = m.clock.now();
    await sendStreamMessage(m, stream, encodeMessage(ping));
    const { type, reader } = await readStreamMessage(m, stream, deadline);
    if (type !== MessageType.ackResp) throw new DecodeError(`Unexpected msgType (${type}) from ping`);
    const ack = decodeBody(MessageType.ackResp, await reader.readObjectBytes());
    if (ack.type !== "ackResp" || ack.seqNo !== ping.seqNo) {
      throw new DecodeError(`Sequence number from ack doesn't match ping (${ping.seqNo})`);
    }
    return { payload: ack.payload ?? new Uint8Array(), rttMs: Math.max(0, m.clock.now() - sent) };
  } catch (err) {
    if (err instanceof TimeoutError) return undefined;
    throw err;
  } finally {
    stream.close();
  }
}

/** Serves one accepted stream. Never throws; errors are logged and answered with an error message. */
export async function handleStream(m: Engine, stream: Stream): Promise<void> {
  const from = formatAddress(stream.remote);
  m.log.debug(`Stream connection from=${from}`);
  m.metrics.incrCounter(["memberlist", "tcp", "accept"]);
  try {
    const { type, reader } = await readStreamMessage(m, stream, m.clock.now() + m.config.tcpTimeoutMs);
    switch (type) {
      case MessageType.user: {
        const header = decodeUserMsgHeader(await reader.readObjectBytes());
        checkUserMsgHeader(header);
        if (header.userMsgLen > 0) {
          const msg = await reader.readExact(header.userMsgLen);
          m.safeCall("delegate notifyMsg", () => m.config.delegate?.notifyMsg(msg));
        }
        return;
      }
      case MessageType.pushPull: {
        if (m.stats.pushPullsInFlight >= MAX_PUSH_PULL_REQUESTS) {
          m.stats.pushPullsRejected++;
          m.log.error("Too many pending push/pull requests");
          return;
        }
        m.stats.pushPullsInFlight++;
        try {
          const remote = await readRemoteState(m, reader);
          // A restarted node must hear what we last knew of it, even if we had
          // purged it, so that it refutes instead of being ignored.
          for (const r of remote.nodes) if (!m.nodes.get(r.name)) m.nodes.recall(r.name, m.clock.now());
          await sendStreamMessage(m, stream, encodeLocalState(m, remote.join));
          mergeRemoteState(m, remote);
        } finally {
          m.stats.pushPullsInFlight--;
        }
        return;
      }
      case MessageType.ping: {
        const ping = decodeBody(MessageType.ping, await reader.readObjectBytes());
        if (ping.type !== "ping") return;
        if (ping.node !== "" && ping.node !== m.config.name) {
          m.log.warn(`Got ping for unexpected node ${ping.node} from=${from}`);
          return;
        }
        // The ping delegate's payload rides along as on UDP (memberlist sends none here and reads
        // none): a TCP-only prober has no other way to learn the peer's coordinate.
        await sendStreamMessage(
          m,
          stream,
          encodeMessage({ type: "ackResp", seqNo: ping.seqNo, payload: ackPayload(m) }),
        );
        return;
      }
      default:
        throw new DecodeError(`Received invalid msgType (${type})`);
    }
  } catch (err) {
    if (m.hasShutdown()) return;
    m.dropFailedInput(from, "stream", err);
    try {
      await sendStreamMessage(m, stream, encodeMessage({ type: "err", error: errorMessage(err) }));
    } catch {
      // The peer may already be gone; nothing more to tell it.
    }
  } finally {
    stream.close();
  }
}
