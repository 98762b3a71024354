/**
 * Fuzz targets for memberlist's wire format: every message body, the stream
 * objects of push/pull and user messages, and each wrapper a packet can wear
 * (compound, LZW compression, CRC, label, AES-GCM).
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type BodyMessage, NodeState, type PushNodeState } from "../../lib/memberlist/messages.ts";
import { decryptPayload, encryptPayload } from "../../lib/memberlist/security.ts";
import {
  addCrc,
  addLabelHeader,
  compressPayload,
  decodeCompoundMessage,
  decodeMessage,
  decodePushNodeState,
  decodePushPullHeader,
  decodeUserMsgHeader,
  decompressPayload,
  encodeMessage,
  encodePushNodeState,
  encodePushPullHeader,
  encodeUserMsgHeader,
  makeCompoundMessage,
  removeLabelHeader,
  verifyCrc,
} from "../../lib/memberlist/wire.ts";
import { DecodeError, SecurityError } from "../../lib/util/errors.ts";
import { corpus, goldenCorpus, hostileBytes, ipv4, shortString, u16, u32 } from "./arbitraries.ts";
import { type FuzzTarget, onlyTypedErrors } from "./target.ts";

const bytes = (max = 32) => fc.uint8Array({ maxLength: max });
const vsn = fc.oneof(
  fc.constant([1, 5, 2, 2, 5, 4]).map((v) => [...v]),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 7 }),
);

/** Every memberlist message with a body, with arbitrary field values. */
export const bodyMessage: fc.Arbitrary<BodyMessage> = fc.oneof(
  fc.record({
    type: fc.constant("ping" as const),
    seqNo: u32,
    node: shortString,
    sourceAddr: ipv4,
    sourcePort: u16,
    sourceNode: shortString,
  }),
  fc.record({
    type: fc.constant("indirectPing" as const),
    seqNo: u32,
    target: ipv4,
    port: u16,
    node: shortString,
    nack: fc.boolean(),
    sourceAddr: ipv4,
    sourcePort: u16,
    sourceNode: shortString,
  }),
  fc.record({ type: fc.constant("ackResp" as const), seqNo: u32, payload: bytes() }),
  fc.record({ type: fc.constant("nackResp" as const), seqNo: u32 }),
  fc.record({ type: fc.constant("err" as const), error: shortString }),
  fc.record({
    type: fc.constant("suspect" as const),
    incarnation: u32,
    node: shortString,
    from: shortString,
  }),
  fc.record({ type: fc.constant("dead" as const), incarnation: u32, node: shortString, from: shortString }),
  fc.record({
    type: fc.constant("alive" as const),
    incarnation: u32,
    node: shortString,
    addr: ipv4,
    port: u16,
    meta: bytes(),
    vsn,
  }),
);

const pushNodeState: fc.Arbitrary<PushNodeState> = fc.record({
  name: shortString,
  addr: ipv4,
  port: u16,
  meta: bytes(),
  incarnation: u32,
  state: fc.constantFrom(NodeState.alive, NodeState.suspect, NodeState.dead, NodeState.left),
  vsn,
});

const golden = goldenCorpus("memberlist.json");
const messageBytes = fc.oneof(bodyMessage.map(encodeMessage), corpus(golden));

/** Decoding what we encoded, and encoding that again, gives the same bytes. */
function stable<T>(encode: (v: T) => Uint8Array, decode: (b: Uint8Array) => T): (v: T) => void {
  return (v) => {
    const once = encode(v);
    assert.deepEqual(encode(decode(once)), once);
  };
}

/** Messages and stream objects. */
export const memberlistMessages: FuzzTarget = {
  name: "memberlist/messages",
  weight: 3,
  properties: {
    "decodeMessage takes any bytes to a message or a DecodeError": () =>
      fc.property(hostileBytes(messageBytes), (b) => onlyTypedErrors(() => decodeMessage(b))),
    "decodeMessage(encodeMessage(m)) re-encodes to the same bytes": () =>
      fc.property(bodyMessage, stable(encodeMessage, decodeMessage)),
    "push/pull header, node state and user-message header decoders only throw DecodeError": () =>
      fc.property(
        hostileBytes(
          corpus(goldenCorpus("memberlist.json", "pushPullHeader", "pushNodeState", "userMsgHeader")),
          pushNodeState.map(encodePushNodeState),
        ),
        (b) => {
          onlyTypedErrors(() => decodePushPullHeader(b));
          onlyTypedErrors(() => decodePushNodeState(b));
          onlyTypedErrors(() => decodeUserMsgHeader(b));
        },
      ),
    "push/pull stream objects round trip": () =>
      fc.property(
        pushNodeState,
        fc.record({ nodes: fc.nat(), userStateLen: fc.nat(), join: fc.boolean() }),
        fc.nat(),
        (node, header, userMsgLen) => {
          stable(encodePushNodeState, decodePushNodeState)(node);
          assert.deepEqual(decodePushPullHeader(encodePushPullHeader(header)), { ...header });
          assert.deepEqual(decodeUserMsgHeader(encodeUserMsgHeader({ userMsgLen })), { userMsgLen });
        },
      ),
  },
};

const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const encryptedOrSecurity = (err: unknown) => err instanceof DecodeError || err instanceof SecurityError;

/** The envelopes a packet or stream can be wrapped in. */
export const memberlistWrappers: FuzzTarget = {
  name: "memberlist/wrappers",
  weight: 3,
  properties: {
    "compound: any body gives parts or a DecodeError": () =>
      fc.property(
        hostileBytes(fc.array(messageBytes, { maxLength: 5 }).map((p) => makeCompoundMessage(p).subarray(1))),
        (b) => onlyTypedErrors(() => decodeCompoundMessage(b)),
      ),
    "compound: parts round trip": () =>
      fc.property(fc.array(bytes(40), { maxLength: 8 }), (parts) => {
        const { parts: back, truncated } = decodeCompoundMessage(makeCompoundMessage(parts).subarray(1));
        assert.equal(truncated, 0);
        assert.deepEqual(back.map((p) => Array.from(p)), parts.map((p) => Array.from(p)));
      }),
    "compress: any body gives bytes or a DecodeError": () =>
      fc.property(
        hostileBytes(messageBytes.map((m) => compressPayload(m).subarray(1))),
        (b) => onlyTypedErrors(() => decompressPayload(b)),
      ),
    "compress: non-empty payloads round trip": () =>
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (p) => {
        assert.deepEqual(decompressPayload(compressPayload(p).subarray(1)), p);
      }),
    "crc: a mutated envelope is refused or verified, never thrown on": () =>
      fc.property(hostileBytes(messageBytes.map(addCrc)), (b) => onlyTypedErrors(() => verifyCrc(b))),
    "crc: payloads round trip": () =>
      fc.property(bytes(100), (p) => assert.deepEqual(verifyCrc(addCrc(p)), p)),
    "label: any packet gives a label and rest or a DecodeError": () =>
      fc.property(
        hostileBytes(
          fc.tuple(messageBytes, fc.string({ minLength: 1, maxLength: 20 })).map(([m, l]) =>
            addLabelHeader(m, l)
          ),
        ),
        (b) => onlyTypedErrors(() => removeLabelHeader(b)),
      ),
    "label: labels and payloads round trip": () =>
      fc.property(messageBytes, fc.string({ minLength: 1, maxLength: 60 }), (m, label) => {
        const { label: back, rest } = removeLabelHeader(addLabelHeader(m, label));
        assert.equal(back, label);
        assert.deepEqual(rest, m);
      }),
    "encrypted: mutated ciphertext is refused with a DecodeError or SecurityError": () =>
      fc.property(
        key16,
        hostileBytes(
          fc.tuple(fc.constantFrom(0 as const, 1 as const), key16, messageBytes).map(([v, k, m]) =>
            encryptPayload(v, k, m)
          ),
        ),
        (key, b) => onlyTypedErrors(() => decryptPayload([key], b), encryptedOrSecurity),
      ),
    "encrypted: both versions round trip with any additional data": () =>
      fc.property(
        fc.constantFrom(0 as const, 1 as const),
        key16,
        bytes(200),
        bytes(20),
        (v, key, m, aad) => assert.deepEqual(decryptPayload([key], encryptPayload(v, key, m, aad), aad), m),
      ),
  },
};
