/**
 * Fuzz targets for Serf's messages (carried as memberlist user messages and
 * push/pull user state) and the payloads inside them: tags, query filters,
 * ping coordinates, relay headers, key requests and responses.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeConflictResponse,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  decodePingPayload,
  decodeRelayMessage,
  decodeSerfMessage,
  decodeTags,
  encodeFilter,
  encodeRelayMessage,
  encodeSerfMessage,
  encodeTags,
  type QueryFilter,
  type SerfMessage,
} from "../../lib/serf/messages.ts";
import { corpus, goldenCorpus, hostileBytes, ipv4, lamport, shortString, u16, u32 } from "./arbitraries.ts";
import { type FuzzTarget, onlyTypedErrors } from "./target.ts";

const bytes = (max = 32) => fc.uint8Array({ maxLength: max });
/**
 * Tag maps. A key "__proto__" is read by the flat fast path (ASCII keys, up to
 * 15 entries) but refused by the general msgpack decoder, so it is generated
 * only among ASCII keys; see docs/reliability.md, "Bad input".
 */
const tags = fc.oneof(
  fc.dictionary(shortString.filter((k) => k !== "__proto__"), shortString, {
    maxKeys: 4,
    noNullPrototype: true,
  }),
  fc.dictionary(
    fc.oneof(
      fc.constant("__proto__"),
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode), maxLength: 8 }),
    ),
    shortString,
    { maxKeys: 4, noNullPrototype: true },
  ),
);

const filter: fc.Arbitrary<QueryFilter> = fc.oneof(
  fc.record({ type: fc.constant("node" as const), nodes: fc.array(shortString, { maxLength: 4 }) }),
  fc.record({ type: fc.constant("tag" as const), tag: shortString, expr: shortString }),
);

/** Serf messages with arbitrary field values (the ones peers send as user messages). */
export const serfMessage: fc.Arbitrary<SerfMessage> = fc.oneof(
  fc.record({ type: fc.constant("join" as const), lTime: lamport, node: shortString }),
  fc.record({ type: fc.constant("leave" as const), lTime: lamport, node: shortString, prune: fc.boolean() }),
  fc.record({
    type: fc.constant("userEvent" as const),
    lTime: lamport,
    name: shortString,
    payload: bytes(),
    cc: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("query" as const),
    lTime: lamport,
    id: u32,
    addr: ipv4,
    port: u16,
    sourceNode: shortString,
    filters: fc.array(filter.map(encodeFilter), { maxLength: 3 }),
    flags: fc.integer({ min: 0, max: 3 }),
    relayFactor: fc.integer({ min: 0, max: 5 }),
    timeoutMs: fc.integer({ min: 0, max: 60_000 }),
    name: shortString,
    payload: bytes(),
  }),
  fc.record({
    type: fc.constant("queryResponse" as const),
    lTime: lamport,
    id: u32,
    from: shortString,
    flags: fc.integer({ min: 0, max: 3 }),
    payload: bytes(),
  }),
  fc.record({
    type: fc.constant("pushPull" as const),
    lTime: lamport,
    statusLTimes: fc.dictionary(shortString, lamport, { maxKeys: 4, noNullPrototype: true }),
    leftMembers: fc.array(shortString, { maxLength: 3 }),
    eventLTime: lamport,
    events: fc.array(
      fc.record({
        lTime: lamport,
        events: fc.array(fc.record({ name: shortString, payload: bytes(8) }), { maxLength: 2 }),
      }),
      { maxLength: 3 },
    ),
    queryLTime: lamport,
  }),
);

const golden = goldenCorpus("serf.json");
const serfBytes = fc.oneof(serfMessage.map(encodeSerfMessage), corpus(golden));

/** Serf's messages and payloads. */
export const serfMessages: FuzzTarget = {
  name: "serf/messages",
  weight: 3,
  properties: {
    "decodeSerfMessage takes any bytes to a message or a DecodeError": () =>
      fc.property(hostileBytes(serfBytes), (b) => onlyTypedErrors(() => decodeSerfMessage(b))),
    "decodeSerfMessage(encodeSerfMessage(m)) re-encodes to the same bytes": () =>
      fc.property(serfMessage, (m) => {
        const once = encodeSerfMessage(m);
        assert.deepEqual(encodeSerfMessage(decodeSerfMessage(once)), once);
      }),
    "relay headers: any bytes give a header or a DecodeError; valid ones round trip": () =>
      fc.property(
        fc.record({ destAddr: ipv4, destPort: u16, destName: shortString }),
        serfMessage,
        hostileBytes(corpus(goldenCorpus("serf.json", "relay"))),
        (header, inner, hostile) => {
          const { header: back, inner: innerBack } = decodeRelayMessage(encodeRelayMessage(header, inner));
          assert.deepEqual([back.destAddr, back.destPort, back.destName], [
            header.destAddr,
            header.destPort,
            header.destName,
          ]);
          assert.deepEqual(innerBack, encodeSerfMessage(inner));
          onlyTypedErrors(() => decodeRelayMessage(hostile));
        },
      ),
    "tags, filters, ping coordinates, conflict and key payloads only throw DecodeError": () =>
      fc.property(
        hostileBytes(
          tags.map((t) => encodeTags(t)),
          filter.map(encodeFilter),
          corpus(goldenCorpus("serf.json", "tags", "ping", "filterNode", "filterTag")),
          corpus(goldenCorpus("serf.json", "conflictResponse", "keyRequest", "keyResponse")),
        ),
        (b) => {
          onlyTypedErrors(() => decodeTags(b));
          onlyTypedErrors(() => decodeFilter(b));
          onlyTypedErrors(() => decodePingPayload(b));
          onlyTypedErrors(() => decodeConflictResponse(b));
          onlyTypedErrors(() => decodeKeyRequest(b));
          onlyTypedErrors(() => decodeKeyResponse(b));
        },
      ),
    "tags and filters round trip": () =>
      fc.property(tags, filter, (t, f) => {
        const entries = (o: Record<string, string>) => Object.entries(o).sort(([a], [b]) => a < b ? -1 : 1);
        assert.deepEqual(entries(decodeTags(encodeTags(t))), entries(t));
        assert.deepEqual(decodeFilter(encodeFilter(f)), { ...f });
      }),
  },
};
