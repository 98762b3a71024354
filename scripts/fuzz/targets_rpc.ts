/**
 * Fuzz targets for the RPC protocol: request frames read off a client's stream
 * as the server reads them (header, then body), and every body decoder fed
 * arbitrary msgpack values of the shape go-msgpack would send.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeMsgpack, goStruct, type MsgpackEncodable } from "../../lib/codec/msgpack.ts";
import { StreamReader } from "../../lib/codec/stream_reader.ts";
import {
  decodeCoordinateResponse,
  decodeEventRequest,
  decodeForceLeave,
  decodeHandshake,
  decodeJoinRequest,
  decodeJoinResponse,
  decodeKeyResponse,
  decodeLogRecord,
  decodeQueryRecord,
  decodeQueryRequest,
  decodeRespondRequest,
  decodeSingleString,
  decodeStats,
  decodeStopRequest,
  decodeStreamRecord,
  decodeTagsRequest,
  eventRequestValue,
  forceLeaveValue,
  joinRequestValue,
  queryRequestValue,
  respondRequestValue,
  tagsRequestValue,
} from "../../lib/rpc/bodies.ts";
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRpcFrame,
  requestHeaderValue,
} from "../../lib/rpc/protocol.ts";
import { hostileBytes, shortString } from "./arbitraries.ts";
import { type FuzzTarget, onlyTypedErrors, onlyTypedErrorsAsync } from "./target.ts";

/** Field names the RPC bodies use, so generated maps often hit a real field with a wrong value. */
const FIELD_NAMES = [
  "Command",
  "Seq",
  "Error",
  "Version",
  "Name",
  "Payload",
  "Coalesce",
  "Node",
  "Prune",
  "Existing",
  "Replay",
  "Tags",
  "DeleteTags",
  "Stop",
  "ID",
  "FilterNodes",
  "FilterTags",
  "RequestAck",
  "RelayFactor",
  "Timeout",
  "Type",
  "From",
  "Key",
  "Keys",
  "Messages",
  "NumNodes",
  "NumErr",
  "NumResp",
  "Coord",
  "Vec",
  "Event",
  "Members",
  "LTime",
  "Log",
];

const scalar: fc.Arbitrary<MsgpackEncodable> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.integer({ min: -1, max: 300 }),
  fc.double({ noNaN: false }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  shortString,
  fc.uint8Array({ maxLength: 16 }),
);

/** Arbitrary msgpack values, maps keyed mostly by real RPC field names. */
const msgpackValue: fc.Arbitrary<MsgpackEncodable> = fc.letrec<{ value: MsgpackEncodable }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), shortString), tie("value"), {
      maxKeys: 5,
      noNullPrototype: true,
    }).map((o) => goStruct(o)),
  ),
})).value;

/** A decoded msgpack value as the server would hold it, from an arbitrary encodable one. */
function asReceived(v: MsgpackEncodable): unknown {
  return decodeMsgpack(encodeRpcFrame(v));
}

const BODY_DECODERS: [string, (v: unknown) => unknown][] = [
  ["requestHeader", decodeRequestHeader],
  ["responseHeader", decodeResponseHeader],
  ["handshake", decodeHandshake],
  ["event", decodeEventRequest],
  ["forceLeave", decodeForceLeave],
  ["join", decodeJoinRequest],
  ["joinResponse", decodeJoinResponse],
  ["tags", decodeTagsRequest],
  ["stop", decodeStopRequest],
  ["respond", decodeRespondRequest],
  ["query", decodeQueryRequest],
  ["queryRecord", decodeQueryRecord],
  ["keyResponse", decodeKeyResponse],
  ["stats", decodeStats],
  ["coordinate", decodeCoordinateResponse],
  ["logRecord", decodeLogRecord],
  ["streamRecord", decodeStreamRecord],
  ["singleString", (v) => decodeSingleString(v, "Key")],
];

const validFrame = fc.tuple(fc.constantFrom("event", "join", "members", "stream", "query"), fc.nat())
  .map(([command, seq]) =>
    encodeRpcFrame(
      requestHeaderValue({ command, seq }),
      eventRequestValue({ name: "deploy", payload: new Uint8Array([1, 2]), coalesce: true }),
    )
  );

/** RPC request frames and bodies. */
export const rpcFrames: FuzzTarget = {
  name: "rpc/frames",
  weight: 3,
  properties: {
    "a request stream of any bytes reads as headers and bodies or a DecodeError": () =>
      fc.asyncProperty(hostileBytes(validFrame), (b) =>
        onlyTypedErrorsAsync(async () => {
          const reader = StreamReader.fromBytes(b, { maxObjectBytes: 1 << 16 });
          for (let i = 0; i < 8 && (await reader.peekByte()) !== null; i++) {
            const value = await reader.readMsgpack({ maxLength: 1 << 16 });
            if (i === 0) decodeRequestHeader(value);
            else decodeEventRequest(value);
          }
        })),
    "every body decoder takes any msgpack value to a body or a DecodeError": () =>
      fc.property(msgpackValue, (v) => {
        const received = asReceived(v);
        for (const [, decode] of BODY_DECODERS) onlyTypedErrors(() => decode(received));
      }),
    "request bodies round trip through the wire": () =>
      fc.property(
        fc.record({ name: shortString, payload: fc.uint8Array({ maxLength: 16 }), coalesce: fc.boolean() }),
        fc.array(shortString, { maxLength: 3 }),
        fc.dictionary(shortString, shortString, { maxKeys: 3, noNullPrototype: true }),
        fc.nat(),
        (event, names, tags, n) => {
          assert.deepEqual(decodeEventRequest(asReceived(eventRequestValue(event))), { ...event });
          assert.deepEqual(decodeForceLeave(asReceived(forceLeaveValue(names[0] ?? "", n % 2 === 0))), {
            node: names[0] ?? "",
            prune: n % 2 === 0,
          });
          assert.deepEqual(decodeJoinRequest(asReceived(joinRequestValue(names, true))), {
            existing: names,
            replay: true,
          });
          const t = decodeTagsRequest(asReceived(tagsRequestValue(tags, names)));
          assert.deepEqual([{ ...t.tags }, t.deleteTags], [tags, names]);
          assert.deepEqual(decodeRespondRequest(asReceived(respondRequestValue(n, event.payload))), {
            id: n,
            payload: event.payload,
          });
          const q = decodeQueryRequest(asReceived(queryRequestValue({
            filterNodes: names,
            filterTags: tags,
            requestAck: true,
            relayFactor: n % 256,
            timeoutMs: n % 60_000,
            name: event.name,
            payload: event.payload,
          })));
          assert.deepEqual([q.filterNodes, { ...q.filterTags }, q.relayFactor, q.timeoutMs, q.name], [
            names,
            tags,
            n % 256,
            n % 60_000,
            event.name,
          ]);
        },
      ),
  },
};
