/** `POST /v1/query`: acks and responses stream as NDJSON lines as they arrive, then `{"Type":"done"}`. */
import assert from "node:assert/strict";
import { readLines, startHttpAgent, waitUntil } from "./_http_agent.ts";

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
