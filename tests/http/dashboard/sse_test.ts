import assert from "node:assert/strict";
import { SseParser } from "../../../lib/http/dashboard/sse.ts";

const STREAM =
  'event: member-join\ndata: {"a":1}\n\n: keep-alive\n\nevent: user\r\ndata: line1\r\ndata: line2\r\n\r\n';
const EXPECTED = [
  { event: "member-join", data: '{"a":1}' },
  { event: "user", data: "line1\nline2" },
];

Deno.test("SseParser yields the same messages however the stream is split", () => {
  for (let size = 1; size <= STREAM.length; size++) {
    const p = new SseParser();
    const got = [];
    for (let i = 0; i < STREAM.length; i += size) got.push(...p.push(STREAM.slice(i, i + size)));
    assert.deepEqual(got, EXPECTED, `chunk size ${size}`);
  }
});

Deno.test("SseParser ignores comments, ids and messages without data, and defaults the type to message", () => {
  const p = new SseParser();
  assert.deepEqual(p.push(": hello\nid: 7\nretry: 10\n\nevent: x\n\ndata:plain\n\n"), [
    { event: "message", data: "plain" },
  ]);
});

Deno.test("SseParser drops an endless line instead of buffering it", () => {
  const p = new SseParser(16);
  assert.deepEqual(p.push("data: " + "x".repeat(100)), []);
  assert.deepEqual(p.push("\n\nevent: ok\ndata: 1\n\n"), [{ event: "ok", data: "1" }]);
});
