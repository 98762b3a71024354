/** RPC framing details: new-spec msgpack, header shapes, event filters. */
import assert from "node:assert/strict";
import { encodeMsgpack, goStruct } from "../../lib/codec/msgpack.ts";
import { eventRequestValue, queryRequestValue } from "../../lib/rpc/bodies.ts";
import { eventFilterMatches, isValidEventFilter, parseEventFilter } from "../../lib/rpc/event_filter.ts";
import {
  decodeRequestHeader,
  encodeRpcFrame,
  looksLikeResponseHeader,
  requestHasBody,
  responseHasBody,
} from "../../lib/rpc/protocol.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("encodeRpcFrame writes str8 and bin as Serf's handle does; the default encoder is unchanged", () => {
  const s = "x".repeat(40);
  assert.equal(hex(encodeRpcFrame(s)).slice(0, 4), "d928");
  assert.equal(hex(encodeMsgpack(s)).slice(0, 6), "da0028");
  assert.equal(hex(encodeRpcFrame(new Uint8Array([1, 2]))), "c4020102");
  assert.equal(hex(encodeRpcFrame(new Uint8Array())), "c400");
  assert.equal(hex(encodeMsgpack(new Uint8Array([1, 2]))), "a20102");
  assert.equal(hex(encodeRpcFrame("a".repeat(300))).slice(0, 6), "da012c");
});

Deno.test("request bodies send an empty payload as nil, as Serf's CLI does", () => {
  const ev = encodeRpcFrame(eventRequestValue({ name: "e", payload: new Uint8Array(), coalesce: true }));
  assert.ok(hex(ev).includes(hex(encodeRpcFrame("Payload")) + "c0"));
  const q = encodeRpcFrame(queryRequestValue({
    filterNodes: [],
    filterTags: {},
    requestAck: false,
    relayFactor: 0,
    timeoutMs: 1500,
    name: "_serf_ping",
    payload: new Uint8Array(),
  }));
  assert.ok(hex(q).includes(hex(encodeRpcFrame("Timeout")) + "ce59682f00"), "1.5 s as nanoseconds");
});

Deno.test("request headers decode with Go's zero values and reject wrong types", () => {
  assert.deepEqual(decodeRequestHeader({ Seq: 3 }), { command: "", seq: 3 });
  assert.throws(() => decodeRequestHeader(5));
  assert.throws(() => decodeRequestHeader({ Command: "x", Seq: -1 }));
  assert.ok(looksLikeResponseHeader({ Seq: 1, Error: "" }));
  assert.ok(!looksLikeResponseHeader({ Seq: 1, Error: "", Log: "x" }));
  assert.ok(!looksLikeResponseHeader(goStruct({ Seq: 1 })));
  assert.ok(requestHasBody("handshake") && !requestHasBody("members") && !requestHasBody("list-keys"));
  assert.ok(responseHasBody("stats") && !responseHasBody("event"));
});

Deno.test("event filters parse, validate and match like Serf's", () => {
  const [user, join] = parseEventFilter("user:deploy,member-join");
  const ev = { type: "user" as const, lTime: 1, name: "deploy", payload: new Uint8Array(), coalesce: false };
  assert.ok(eventFilterMatches(user!, ev));
  assert.ok(!eventFilterMatches(user!, { ...ev, name: "other" }));
  assert.ok(!eventFilterMatches(join!, ev));
  assert.ok(eventFilterMatches(parseEventFilter("")[0]!, ev));
  assert.ok(!isValidEventFilter(parseEventFilter("bogus")[0]!));
});
