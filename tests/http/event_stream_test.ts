/**
 * `GET /v1/events`: member and user events arrive as Server-Sent Events, the
 * filter narrows them, the number of streams is bounded, and a client that
 * stops reading is dropped instead of holding events.
 */
import assert from "node:assert/strict";
import { serveEventStream } from "../../lib/http/event_stream.ts";
import type { HttpExchange } from "../../lib/platform/http_listener.ts";
import type { RpcAgent, SerfEvent } from "../../lib/rpc/agent_api.ts";
import { Logger } from "../../lib/util/log.ts";
import { call, readLines, startHttpAgent, waitUntil } from "./_http_agent.ts";

/** The `event:`/`data:` pairs in SSE lines. */
function records(lines: string[]): { event: string; data: Record<string, unknown> }[] {
  const out: { event: string; data: Record<string, unknown> }[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const e = /^event: (.*)$/.exec(lines[i]!);
    const d = /^data: (.*)$/.exec(lines[i + 1]!);
    if (e && d) out.push({ event: e[1]!, data: JSON.parse(d[1]!) });
  }
  return out;
}

Deno.test("/v1/events streams a member join and a user event as they happen", async () => {
  const a = await startHttpAgent("sse-a");
  const b = await startHttpAgent("sse-b", {}, { zone: "z1" });
  const abort = new AbortController();
  try {
    const res = await fetch(`${a.base}/v1/events`, { signal: abort.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    let triggered = false;
    const lines = await readLines(res, (ls) => {
      if (!triggered && ls.includes(": connected")) {
        triggered = true;
        void (async () => {
          await a.agent.join([b.gossip], false);
          await waitUntil(() => b.agent.members().length === 2, 10_000);
          b.agent.userEvent("deploy", new TextEncoder().encode("v3 ✓"), false);
        })();
      }
      // Member events are coalesced for a moment, so the join may arrive after the user event.
      const kinds = records(ls).map((r) => r.event);
      return kinds.includes("user") && kinds.includes("member-join");
    }, 20_000);
    const got = records(lines);
    const join = got.find((r) => r.event === "member-join");
    assert.ok(join, lines.join("\n"));
    assert.equal(join.data.Event, "member-join");
    // Coalescing may put this node's own join in the same event.
    const member = (join.data.Members as Record<string, unknown>[]).find((m) => m.Name === "sse-b");
    assert.ok(member, JSON.stringify(join.data));
    assert.deepEqual([member.Addr, member.Status, member.Tags], ["127.0.0.1", "alive", { zone: "z1" }]);
    const user = got.find((r) => r.event === "user")!;
    assert.deepEqual(user.data, {
      Event: "user",
      LTime: user.data.LTime,
      Name: "deploy",
      Payload: "v3 ✓",
      PayloadBase64: btoa(String.fromCharCode(...new TextEncoder().encode("v3 ✓"))),
      Coalesce: false,
    });
  } finally {
    abort.abort();
    await a.close();
    await b.close();
  }
});

Deno.test("/v1/events?filter=user:deploy passes only that user event", async () => {
  const a = await startHttpAgent("sse-filter");
  try {
    const res = await fetch(`${a.base}/v1/events?filter=user:deploy`);
    let sent = false;
    const lines = await readLines(res, (ls) => {
      if (!sent && ls.includes(": connected")) {
        sent = true;
        a.agent.userEvent("other", new Uint8Array(), false);
        a.agent.userEvent("deploy", new TextEncoder().encode("x"), false);
      }
      return records(ls).length > 0;
    }, 10_000);
    const got = records(lines);
    assert.deepEqual(got.map((r) => `${r.event}:${r.data.Name}`), ["user:deploy"]);
  } finally {
    await a.close();
  }
});

Deno.test("/v1/events refuses streams over maxEventStreams with 503 and frees the slot on close", async () => {
  const a = await startHttpAgent("sse-limit", { maxEventStreams: 2 });
  const aborts = [new AbortController(), new AbortController()];
  try {
    const open = await Promise.all(aborts.map((c) => fetch(`${a.base}/v1/events`, { signal: c.signal })));
    assert.deepEqual(open.map((r) => r.status), [200, 200]);
    assert.ok(await waitUntil(() => a.http.eventStreams === 2, 5_000));
    const third = await call(`${a.base}/v1/events`);
    assert.equal(third.status, 503);
    assert.match((third.json() as { error: string }).error, /too many event streams open \(2\)/);
    aborts[0]!.abort();
    await open[0]!.body?.cancel().catch(() => {});
    assert.ok(await waitUntil(() => a.http.eventStreams === 1, 5_000));
    const again = new AbortController();
    const fourth = await fetch(`${a.base}/v1/events`, { signal: again.signal });
    assert.equal(fourth.status, 200);
    again.abort();
    await fourth.body?.cancel().catch(() => {});
  } finally {
    for (const c of aborts) c.abort();
    await a.close();
  }
});

/** An exchange whose socket never drains: every write after the first reports back-pressure. */
function stalledExchange(): HttpExchange & { writes: string[]; aborted: boolean } {
  const closers: (() => void)[] = [];
  const ex = {
    writes: [] as string[],
    aborted: false,
    method: "GET",
    url: "/v1/events",
    closed: false,
    header: () => undefined,
    readBody: () => Promise.resolve(new Uint8Array()),
    respond() {},
    startStream() {},
    write(chunk: string) {
      ex.writes.push(chunk);
      return ex.writes.length === 1;
    },
    end() {},
    abort() {
      ex.aborted = true;
      ex.closed = true;
      for (const fn of closers.splice(0)) fn();
    },
    onClose(fn: () => void) {
      closers.push(fn);
    },
  };
  return ex;
}

Deno.test("serveEventStream drops a client that leaves more than its buffer unread and unsubscribes", () => {
  const subscribers = new Set<(e: SerfEvent) => void>();
  const agent = {
    subscribeEvents(fn: (e: SerfEvent) => void) {
      subscribers.add(fn);
      return () => void subscribers.delete(fn);
    },
  } as unknown as RpcAgent;
  const ex = stalledExchange();
  let keepAliveStopped = false;
  serveEventStream(ex, new URLSearchParams(), {
    agent,
    logger: new Logger({ sink: () => {} }),
    buffer: 5,
    keepAliveCommentMs: 15_000,
    setInterval: () => () => void (keepAliveStopped = true),
  });
  assert.equal(subscribers.size, 1);
  const event: SerfEvent = { type: "user", lTime: 1, name: "e", payload: new Uint8Array(), coalesce: false };
  for (let i = 0; i < 5; i++) for (const fn of subscribers) fn(event);
  assert.equal(ex.aborted, false, "five unread events fit the buffer");
  for (const fn of [...subscribers]) fn(event);
  assert.equal(ex.aborted, true, "the sixth unread event drops the client");
  assert.equal(subscribers.size, 0);
  assert.equal(keepAliveStopped, true);
  assert.equal(ex.writes.length, 7); // ": connected" and six events; nothing after the drop
});

Deno.test("/v1/events sends a keep-alive comment at keepAliveCommentMs while nothing happens", async () => {
  const a = await startHttpAgent("sse-keepalive", { keepAliveCommentMs: 100 });
  try {
    const res = await fetch(`${a.base}/v1/events?filter=user:never`);
    const lines = await readLines(res, (ls) => ls.filter((l) => l === ": keep-alive").length >= 2, 10_000);
    assert.equal(lines.filter((l) => l === ": keep-alive").length, 2);
    assert.equal(lines[0], ": connected");
  } finally {
    await a.close();
  }
});
