/**
 * What the live fuzz sends: random and mutated bytes for an agent's gossip
 * UDP port, its gossip TCP port and its RPC port, drawn from the fast-check
 * generators the decoder fuzz uses.
 *
 * The live check is that nothing changes, so the inputs leave out what would
 * change an unauthenticated agent legitimately: well-formed alive messages
 * and push/pull node states (they add members), Serf messages carrying a
 * Lamport time (they advance clocks), and RPC commands that act (join, leave,
 * event, query, tags, keys). Those paths are covered, with invariants that
 * allow for their effects, by the receive-path properties in
 * targets_receive.ts.
 *
 * @module
 */
import fc from "fast-check";
import { encodeMsgpack, goStruct } from "../../lib/codec/msgpack.ts";
import { MessageType } from "../../lib/memberlist/messages.ts";
import {
  addCrc,
  addLabelHeader,
  compressPayload,
  encodeMessage,
  encodePushPullHeader,
  encodeUserMsgHeader,
  makeCompoundMessage,
} from "../../lib/memberlist/wire.ts";
import { encodeRpcFrame, requestHeaderValue } from "../../lib/rpc/protocol.ts";
import { corpus, goldenCorpus, hostileBytes, randomBytes } from "./arbitraries.ts";
import { bodyMessage } from "./targets_memberlist.ts";

/** Where an input goes. */
export type Channel = "udp" | "tcp" | "rpc";

const harmlessMessage = fc.oneof(
  bodyMessage.filter((m) => m.type !== "alive").map(encodeMessage),
  corpus(
    goldenCorpus("memberlist.json", "ping", "indirectPing", "ackResp", "nackResp", "err", "suspect", "dead"),
  ),
  // A user message whose body is noise: Serf's decoder sees garbage, never a clock.
  randomBytes(40).map((b) => Uint8Array.from([MessageType.user, ...b])),
);

const udpInput = hostileBytes(
  harmlessMessage,
  fc.array(harmlessMessage, { minLength: 1, maxLength: 4 }).map((p) => makeCompoundMessage(p)),
  harmlessMessage.map(compressPayload),
  harmlessMessage.map(addCrc),
  harmlessMessage.map((m) => addLabelHeader(m, "fuzz")),
);

const streamMessage = fc.oneof(
  fc.constantFrom(0, 1, 2).chain((nodes) =>
    randomBytes(40).map((noise) =>
      Uint8Array.from([
        MessageType.pushPull,
        ...encodePushPullHeader({ nodes, userStateLen: noise.length, join: false }),
        ...noise,
      ])
    )
  ),
  randomBytes(40).map((noise) =>
    Uint8Array.from([MessageType.user, ...encodeUserMsgHeader({ userMsgLen: noise.length }), ...noise])
  ),
  harmlessMessage,
);
const tcpInput = hostileBytes(streamMessage, streamMessage.map(compressPayload));

/** Commands that only read (or stop what this connection started). */
const READ_ONLY = [
  "members",
  "members-filtered",
  "stats",
  "get-coordinate",
  "monitor",
  "stream",
  "stop",
  "respond",
];
const handshake = encodeRpcFrame(
  requestHeaderValue({ command: "handshake", seq: 0 }),
  goStruct({ Version: 1 }),
);
const rpcBody = fc.oneof(
  fc.constant(goStruct({})),
  fc.constant(goStruct({ Tags: {}, Status: "alive", Name: "" })),
  fc.constant(goStruct({ Node: "x" })),
  fc.constant(goStruct({ LogLevel: "debug" })),
  fc.constant(goStruct({ Type: "member-join" })),
  fc.constant(goStruct({ Stop: 1 })),
  fc.constant(goStruct({ ID: 7, Payload: new Uint8Array([1]) })),
);
const rpcRequest = fc.tuple(fc.constantFrom(...READ_ONLY), fc.nat({ max: 1000 }), rpcBody).map((
  [command, seq, body],
) => encodeRpcFrame(requestHeaderValue({ command, seq }), body));
const rpcInput = fc.oneof(
  hostileBytes(rpcRequest.map((r) => Uint8Array.from([...handshake, ...r]))),
  hostileBytes(rpcRequest).map((r) => Uint8Array.from([...handshake, ...r])),
  randomBytes(64).map((b) => Uint8Array.from([...handshake, ...b])),
  fc.constant(encodeMsgpack(goStruct({ Command: "handshake", Seq: 0 }))),
);

const ARBITRARY: Record<Channel, fc.Arbitrary<Uint8Array>> = { udp: udpInput, tcp: tcpInput, rpc: rpcInput };

/** Share of inputs per channel: mostly UDP (cheap, and the gossip hot path). */
export const CHANNEL_SHARE: Record<Channel, number> = { udp: 0.6, tcp: 0.2, rpc: 0.2 };

/** `count` inputs for `channel`, generated in chunks so a long run does not hold them all. */
export function* liveInputs(channel: Channel, count: number, seed: number): Generator<Uint8Array> {
  const chunk = 1_000;
  for (let done = 0, i = 0; done < count; i++) {
    const n = Math.min(chunk, count - done);
    for (const input of fc.sample(ARBITRARY[channel], { numRuns: n, seed: (seed + i * 104_729) | 0 })) {
      yield input;
    }
    done += n;
  }
}
