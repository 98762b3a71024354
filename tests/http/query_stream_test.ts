/** `POST /v1/query`: acks and responses stream as NDJSON lines as they arrive, then `{"Type":"done"}`. */
import assert from "node:assert/strict";
import { call, readLines, startHttpAgent, waitUntil } from "./_http_agent.ts";

Deno.test("POST /v1/query streams acks, the responses and done", async () => {
  const a = await startHttpAgent("q-a");
  const b = await startHttpAgent("q-b", {}, { role: "db" });
  const off = b.agent.subscribeEvents((e) => {
    if (e.type === "query" && e.name === "uptime") e.respond(new TextEncoder().encode(`up ${e.sourceNode}`));
  });
  try {
    await a.agent.join([b.gossip], false);
    assert.ok(await waitUntil(() => b.agent.members().length === 2, 10_000));
    const res = await fetch(`${a.base}/v1/query`, {
      method: "POST",
      body: JSON.stringify({ Name: "uptime", Payload: "p", RequestAck: true, Timeout: "3s" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-ndjson");
    // q-a acks but has no handler, so the query runs to its timeout.
    const lines = await readLines(res, (ls) => ls.some((l) => l.includes('"done"')), 20_000);
    const recs = lines.filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(recs.at(-1), { Type: "done" });
    const acks = recs.filter((r) => r.Type === "ack").map((r) => r.From).sort();
    assert.deepEqual(acks, ["q-a", "q-b"]);
    const responses = recs.filter((r) => r.Type === "response");
    assert.deepEqual(responses, [
      { Type: "response", From: "q-b", Payload: "up q-a", PayloadBase64: btoa("up q-a") },
    ]);
    assert.equal(recs.length, 4);

    // FilterTags narrows who answers; a query nobody answers still ends with done.
    const none = await fetch(`${a.base}/v1/query`, {
      method: "POST",
      body: JSON.stringify({ Name: "uptime", FilterTags: { role: "web" }, Timeout: "300ms" }),
    });
    const noneLines = await readLines(none, (ls) => ls.some((l) => l.includes('"done"')), 10_000);
    assert.deepEqual(noneLines.filter((l) => l !== ""), ['{"Type":"done"}']);
  } finally {
    off();
    await a.close();
    await b.close();
  }
});

Deno.test("POST /v1/respond answers a query seen on /v1/events, once, until its deadline", async () => {
  const a = await startHttpAgent("r-a");
  const b = await startHttpAgent("r-b");
  const events = new AbortController();
  try {
    await a.agent.join([b.gossip], false);
    assert.ok(await waitUntil(() => a.agent.members().length === 2, 10_000));
    // b's HTTP client serves "uptime" from its event stream.
    const stream = await fetch(`${b.base}/v1/events?filter=query:uptime`, { signal: events.signal });
    const seen = readLines(stream, (ls) => ls.some((l) => l.startsWith("data:")), 10_000);
    await waitUntil(() => b.http.eventStreams === 1, 5_000);
    const asked = fetch(`${a.base}/v1/query`, {
      method: "POST",
      body: JSON.stringify({ Name: "uptime", Payload: "p", Timeout: "4s" }),
    });
    const record = JSON.parse((await seen).find((l) => l.startsWith("data:"))!.slice(5)) as {
      ID: number;
      LTime: number;
    };
    const respond = (body: unknown) =>
      call(`${b.base}/v1/respond`, { method: "POST", body: JSON.stringify(body) });
    const ok = await respond({ ID: record.ID, LTime: record.LTime, Payload: "up 3 days" });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json(), { ID: record.ID });

    const again = await respond({ ID: record.ID, LTime: record.LTime, Payload: "twice" });
    assert.equal(again.status, 400);
    assert.match(again.text, /response already sent/);
    const unknown = await respond({ ID: record.ID, LTime: record.LTime + 1, Payload: "x" });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /no pending query with ID \d+ and LTime \d+/);
    assert.equal((await respond({ LTime: record.LTime, Payload: "x" })).status, 400, "ID is required");

    const lines = await readLines(await asked, (ls) => ls.some((l) => l.includes('"done"')), 20_000);
    const responses = lines.filter((l) => l.includes('"response"')).map((l) => JSON.parse(l));
    assert.deepEqual(responses, [
      { Type: "response", From: "r-b", Payload: "up 3 days", PayloadBase64: btoa("up 3 days") },
    ]);
    // Past its deadline (b's runs from when the query reached it, a moment after a's) the query is forgotten.
    let late = await respond({ ID: record.ID, LTime: record.LTime, Payload: "late" });
    for (let i = 0; i < 50 && late.status !== 404; i++) {
      assert.equal(late.status, 400, late.text);
      await new Promise((r) => setTimeout(r, 100));
      late = await respond({ ID: record.ID, LTime: record.LTime, Payload: "late" });
    }
    assert.equal(late.status, 404, late.text);
  } finally {
    events.abort();
    await a.close();
    await b.close();
  }
});
