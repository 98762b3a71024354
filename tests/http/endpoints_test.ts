/**
 * The HTTP API's read endpoints, POST /v1/event and its error answers, against
 * two real agents joined on loopback.
 */
import assert from "node:assert/strict";
import { concatBytes } from "../../lib/util/bytes.ts";
import { call, type HttpAgent, startHttpAgent, waitUntil } from "./_http_agent.ts";

async function twoAgents(): Promise<[HttpAgent, HttpAgent]> {
  const a = await startHttpAgent("http-a", {
    metricsText: () => "# TYPE serf_test counter\nserf_test 1\n",
    assets: new Map([["/", { contentType: "text/html; charset=utf-8", body: "<h1>serfts</h1>" }]]),
  }, { role: "web" });
  const b = await startHttpAgent("http-b", {}, { role: "db" });
  await a.agent.join([b.gossip], false);
  assert.ok(await waitUntil(() => a.agent.members().length === 2 && b.agent.members().length === 2, 10_000));
  return [a, b];
}

Deno.test("HTTP API answers members, coordinates, rtt and stats from the agent", async () => {
  const [a, b] = await twoAgents();
  try {
    const members = (await call(`${a.base}/v1/members`)).json() as Record<string, unknown>[];
    assert.deepEqual(members.map((m) => m.Name).sort(), ["http-a", "http-b"]);
    const self = members.find((m) => m.Name === "http-a")!;
    assert.deepEqual(Object.keys(self), [
      "Name",
      "Addr",
      "Port",
      "Tags",
      "Status",
      "ProtocolMin",
      "ProtocolMax",
      "ProtocolCur",
      "DelegateMin",
      "DelegateMax",
      "DelegateCur",
    ]);
    assert.deepEqual([self.Addr, self.Port, self.Tags, self.Status], [
      "127.0.0.1",
      Number(a.gossip.split(":")[1]),
      { role: "web" },
      "alive",
    ]);

    const byName = (await call(`${a.base}/v1/members?name=http-b`)).json() as { Name: string }[];
    assert.deepEqual(byName.map((m) => m.Name), ["http-b"]);
    const alive = (await call(`${a.base}/v1/members?status=alive&name=http-.*`)).json() as unknown[];
    assert.equal(alive.length, 2);
    assert.deepEqual((await call(`${a.base}/v1/members?status=failed`)).json(), []);
    const badRe = await call(`${a.base}/v1/members?name=(`);
    assert.equal(badRe.status, 400);
    assert.match((badRe.json() as { error: string }).error, /Failed to compile regex/);

    // Coordinates arrive with the first pings; both nodes must be listed once they have.
    assert.ok(
      await waitUntil(
        async () => ((await call(`${a.base}/v1/coordinates`)).json() as unknown[]).length === 2,
        15_000,
      ),
    );
    const coords = (await call(`${a.base}/v1/coordinates`)).json() as {
      Node: string;
      Coord: { Vec: number[] };
    }[];
    assert.deepEqual(coords.map((c) => c.Node).sort(), ["http-a", "http-b"]);
    for (const c of coords) assert.equal(c.Coord.Vec.length, 8);
    assert.deepEqual(Object.keys(coords[0]!.Coord), ["Vec", "Error", "Adjustment", "Height"]);

    const rtt = (await call(`${a.base}/v1/rtt?to=http-b`)).json() as {
      From: string;
      To: string;
      RttMs: number;
    };
    assert.equal(rtt.From, "http-a");
    assert.equal(rtt.To, "http-b");
    assert.ok(rtt.RttMs > 0 && rtt.RttMs < 1_000, `RttMs ${rtt.RttMs}`);
    const reverse = (await call(`${a.base}/v1/rtt?from=http-b&to=http-a`)).json() as { RttMs: number };
    assert.ok(Math.abs(reverse.RttMs - rtt.RttMs) < 1e-9, "distance is symmetric");
    const unknown = await call(`${a.base}/v1/rtt?to=nobody`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), { error: 'no coordinate for node "nobody"' });
    assert.equal((await call(`${a.base}/v1/rtt`)).status, 400);

    const stats = (await call(`${a.base}/v1/stats`)).json() as Record<string, Record<string, string>>;
    assert.equal(stats.agent?.name, "http-a");
    assert.equal(stats.serf?.members, "2");
    assert.deepEqual(stats.tags, { role: "web" });
    assert.equal((await call(`${a.base}/v1/stats`)).headers.get("content-type"), "application/json");
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("HTTP API answers unknown paths 404, wrong methods 405 with Allow, bad bodies 400 and 413", async () => {
  const a = await startHttpAgent("http-errors", { maxBodyBytes: 1_000 });
  try {
    const missing = await call(`${a.base}/v1/x`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { error: "no such endpoint: GET /v1/x" });
    const wrong = await call(`${a.base}/v1/members`, { method: "POST", body: "{}" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.match((wrong.json() as { error: string }).error, /use GET, HEAD, OPTIONS/);
    assert.equal((await call(`${a.base}/v1/event`)).status, 405);

    const post = (body: string) => call(`${a.base}/v1/event`, { method: "POST", body });
    const notJson = await post("{nope");
    assert.equal(notJson.status, 400);
    assert.match((notJson.json() as { error: string }).error, /not valid JSON/);
    assert.equal((await post("[1]")).status, 400);
    const noName = await post('{"Payload":"x"}');
    assert.equal(noName.status, 400);
    assert.match((noName.json() as { error: string }).error, /Missing event name/);
    assert.equal((await post('{"Name":"x","Coalesce":"yes"}')).status, 400);
    assert.equal((await post('{"Name":"x","PayloadBase64":"%%%"}')).status, 400);

    const huge = await post(JSON.stringify({ Name: "big", Payload: "x".repeat(5_000) }));
    assert.equal(huge.status, 413);
    assert.match((huge.json() as { error: string }).error, /over the limit of 1000 bytes/);
    // Serf's own refusal (the 512-byte user event limit) is a 400 with Serf's text.
    const tooBig = await post(JSON.stringify({ Name: "big", Payload: "x".repeat(600) }));
    assert.equal(tooBig.status, 400);
    assert.match(
      (tooBig.json() as { error: string }).error,
      /user event exceeds configured limit of 512 bytes/,
    );

    const badFilter = await call(`${a.base}/v1/events?filter=member-explode`);
    assert.equal(badFilter.status, 400);
    assert.match((badFilter.json() as { error: string }).error, /Invalid event filter "member-explode"/);
    const badQuery = await call(`${a.base}/v1/query`, {
      method: "POST",
      body: '{"Name":"q","Timeout":"soon"}',
    });
    assert.equal(badQuery.status, 400);
    const internal = await call(`${a.base}/v1/query`, { method: "POST", body: '{"Name":"_serf_x"}' });
    assert.equal(internal.status, 400);
    assert.deepEqual(internal.json(), { error: "Queries cannot contain the '_serf_' prefix" });

    // Without an injected metrics source /metrics is off, and there is no dashboard.
    const metrics = await call(`${a.base}/metrics`);
    assert.equal(metrics.status, 404);
    assert.deepEqual(metrics.json(), { error: "metrics are not enabled" });
    assert.equal((await call(`${a.base}/`)).status, 404);

    // Garbage, an oversized head and a bad method line: the connection is dropped, nothing else happens.
    const port = a.http.address.port;
    for (
      const junk of [
        "\x00\x01\x02 garbage\r\n\r\n",
        `GET /v1/members HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`,
        "GET\r\n\r\n",
      ]
    ) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode(junk)).catch(() => {});
        const buf = new Uint8Array(65536);
        let reply = "";
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          reply += new TextDecoder().decode(buf.subarray(0, n));
        }
        assert.doesNotMatch(reply, /^HTTP\/1\.1 200/);
      } finally {
        conn.close();
      }
    }

    // The agent is still fine after all that.
    assert.equal((await call(`${a.base}/v1/members`)).status, 200);
  } finally {
    await a.close();
  }
});

Deno.test("POST /v1/event sends a user event the other member receives", async () => {
  const [a, b] = await twoAgents();
  const seen: string[] = [];
  const off = b.agent.subscribeEvents((e) => {
    if (e.type === "user") seen.push(`${e.name}:${new TextDecoder().decode(e.payload)}:${e.coalesce}`);
  });
  try {
    const sent = await call(`${a.base}/v1/event`, {
      method: "POST",
      body: JSON.stringify({ Name: "deploy", Payload: "v2", Coalesce: false }),
    });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json(), { Name: "deploy" });
    const b64 = await call(`${a.base}/v1/event`, {
      method: "POST",
      body: JSON.stringify({ Name: "bin", PayloadBase64: btoa("\x00\x01") }),
    });
    assert.equal(b64.status, 200);
    assert.ok(await waitUntil(() => seen.length === 2, 10_000), seen.join());
    assert.deepEqual(seen.sort(), ["bin:\x00\x01:true", "deploy:v2:false"]);
  } finally {
    off();
    await a.close();
    await b.close();
  }
});

Deno.test("/metrics serves the injected text and the dashboard files come from the injected assets", async () => {
  const [a, b] = await twoAgents();
  try {
    const metrics = await call(`${a.base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(metrics.text, "# TYPE serf_test counter\nserf_test 1\n");
    const page = await call(`${a.base}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.text, "<h1>serfts</h1>");
  } finally {
    await a.close();
    await b.close();
  }
});

/** One raw HTTP/1.1 exchange that closes the connection: what a HEAD answer really carries on the wire. */
async function rawExchange(port: number, head: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${head}\r\nHost: x\r\nConnection: close\r\n\r\n`));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    const deadline = Date.now() + 10_000;
    for (let n = await conn.read(buf); n !== null && Date.now() < deadline; n = await conn.read(buf)) {
      chunks.push(buf.slice(0, n));
    }
    return new TextDecoder().decode(concatBytes(chunks));
  } finally {
    conn.close();
  }
}

Deno.test("HTTP API answers HEAD like GET without a body, and OPTIONS with the allowed methods", async () => {
  const a = await startHttpAgent("http-head");
  try {
    const port = a.http.address.port;
    const got = await call(`${a.base}/v1/members`);
    const head = await rawExchange(port, "HEAD /v1/members HTTP/1.1");
    const [lines, body] = head.split("\r\n\r\n");
    assert.match(lines!, /^HTTP\/1\.1 200 /);
    assert.match(lines!, /content-type: application\/json/i);
    assert.match(lines!, new RegExp(`content-length: ${new TextEncoder().encode(got.text).length}\\r`, "i"));
    assert.equal(body, "", "no body after the head");

    // The event stream ends at its head instead of staying open.
    const events = await rawExchange(port, "HEAD /v1/events HTTP/1.1");
    assert.match(events, /^HTTP\/1\.1 200 [^]*content-type: text\/event-stream/i);
    assert.equal(events.split("\r\n\r\n")[1], "");
    assert.ok(await waitUntil(() => a.http.eventStreams === 0, 5_000), "the HEAD stream was closed");

    const options = await call(`${a.base}/v1/event`, { method: "OPTIONS" });
    assert.equal(options.status, 200);
    assert.equal(options.headers.get("allow"), "POST, OPTIONS");
    assert.equal(options.text, "");
    assert.equal((await call(`${a.base}/v1/x`, { method: "OPTIONS" })).status, 404);
    assert.equal(
      (await call(`${a.base}/v1/event`, { method: "HEAD" })).status,
      405,
      "HEAD only where GET is",
    );
  } finally {
    await a.close();
  }
});
