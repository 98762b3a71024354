import assert from "node:assert/strict";
import { decodeMsgpack, encodeMsgpack } from "../../lib/codec/msgpack.ts";
import { msgpackObjectLength } from "../../lib/codec/stream_reader.ts";
import { eventRequestValue, handshakeValue, memberValue } from "../../lib/rpc/bodies.ts";
import { MemberRecordCache, type RpcMember } from "../../lib/rpc/member_record.ts";
import { encodeRpcFrame, requestHeaderValue, responseHeaderValue } from "../../lib/rpc/protocol.ts";
import { RpcServer } from "../../lib/rpc/server.ts";
import type { Stream } from "../../lib/transport/transport.ts";
import { FakeAgent, member } from "./_fake_agent.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

function req(command: string, seq: number, body?: Parameters<typeof encodeRpcFrame>[0]): Uint8Array {
  return body === undefined
    ? encodeRpcFrame(requestHeaderValue({ command, seq }))
    : encodeRpcFrame(requestHeaderValue({ command, seq }), body);
}

/** A stream that delivers the given chunks, then EOF, and records every write. */
function scriptedStream(chunks: Uint8Array[]): Stream & { writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  return {
    remote: { host: "127.0.0.1", port: 1 },
    writes,
    read: () => Promise.resolve(chunks.shift() ?? null),
    write: (data) => {
      writes.push(data.slice());
      return Promise.resolve();
    },
    close: () => {},
  };
}

/** Waits until the server has finished with its clients (the scripted stream ended), then closes it. */
async function served(server: RpcServer): Promise<void> {
  for (let i = 0; i < 200 && server.clientCount > 0; i++) await new Promise((r) => setTimeout(r, 5));
  await server.close();
}

function splitObjects(bytes: Uint8Array): unknown[] {
  const out: unknown[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = msgpackObjectLength(bytes, at);
    out.push(decodeMsgpack(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

Deno.test("RpcServer answers requests that arrive together with one write, in order", async () => {
  const agent = new FakeAgent();
  const server = new RpcServer({ agent });
  const events = Array.from(
    { length: 50 },
    (_, i) =>
      req(
        "event",
        i + 2,
        eventRequestValue({ name: `e${i}`, payload: new Uint8Array([i]), coalesce: false }),
      ),
  );
  const stream = scriptedStream([
    concatBytes([req("handshake", 1, handshakeValue(1)), ...events, req("members", 52)]),
  ]);
  server.serve(stream);
  await served(server);
  assert.equal(stream.writes.length, 1, "one write for the whole batch");
  const objects = splitObjects(stream.writes[0]!);
  // 51 bodiless answers, then the members header and body.
  assert.equal(objects.length, 53);
  const seqs = objects.slice(0, 52).map((h) => Number((h as { Seq: number }).Seq));
  assert.deepEqual(seqs, Array.from({ length: 52 }, (_, i) => i + 1));
  const firstHeader = encodeRpcFrame(responseHeaderValue({ seq: 1, error: "" }));
  assert.deepEqual(stream.writes[0]!.subarray(0, firstHeader.length), firstHeader, "Serf's header bytes");
  assert.equal(agent.calls.filter((c) => c.startsWith("event ")).length, 50);
});

Deno.test("RpcServer still answers a request whose body arrives in a later chunk", async () => {
  const agent = new FakeAgent();
  const server = new RpcServer({ agent });
  const event = req(
    "event",
    2,
    eventRequestValue({ name: "split", payload: new Uint8Array(), coalesce: true }),
  );
  const stream = scriptedStream([
    req("handshake", 1, handshakeValue(1)),
    event.subarray(0, 20),
    event.subarray(20),
    req("members", 3),
  ]);
  server.serve(stream);
  await served(server);
  const objects = splitObjects(concatBytes(stream.writes));
  assert.deepEqual(objects.slice(0, 3).map((h) => Number((h as { Seq: number }).Seq)), [1, 2, 3]);
  assert.equal((objects[3] as { Members: unknown[] }).Members.length, 3);
});

Deno.test("MemberRecordCache encodes like memberValue and re-encodes a member that changed", () => {
  const cache = new MemberRecordCache();
  const a: RpcMember = member("a", "10.0.0.1", 7946, { role: "web", dc: "east" });
  const encoded = (m: RpcMember) => encodeMsgpack(memberValue(m), { newSpec: true });
  assert.deepEqual(cache.record(a).bytes, encoded(a));
  assert.equal(cache.record({ ...a, tags: { ...a.tags } }), cache.record(a), "unchanged: reused");
  for (
    const changed of [
      { ...a, status: "failed" },
      { ...a, port: 7947 },
      { ...a, addr: "10.0.0.9" },
      { ...a, protocolCur: 4 },
      { ...a, tags: { role: "db", dc: "east" } },
      { ...a, tags: { role: "web" } },
      { ...a, tags: { role: "web", dc: "east", rack: "1" } },
    ]
  ) {
    assert.deepEqual(cache.record(changed).bytes, encoded(changed));
  }
});
