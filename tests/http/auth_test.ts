/** `http_auth`: the bearer token guards the API and /metrics, not the dashboard's static files. */
import assert from "node:assert/strict";
import { bearerMatches } from "../../lib/http/auth.ts";
import { call, startHttpAgent } from "./_http_agent.ts";

Deno.test("bearerMatches accepts exactly the token, in any case of the scheme", () => {
  assert.equal(bearerMatches("Bearer tok", "tok"), true);
  assert.equal(bearerMatches("bearer   tok", "tok"), true);
  assert.equal(bearerMatches("Bearer tok2", "tok"), false);
  assert.equal(bearerMatches("Bearer to", "tok"), false);
  assert.equal(bearerMatches("Bearer ", "tok"), false);
  assert.equal(bearerMatches("Basic tok", "tok"), false);
  assert.equal(bearerMatches("tok", "tok"), false);
  assert.equal(bearerMatches(undefined, "tok"), false);
});

Deno.test("with http_auth set, /v1/* and /metrics answer 401 without the token and serve with it", async () => {
  const a = await startHttpAgent("http-auth", {
    authToken: "s3cret",
    metricsText: () => "up 1\n",
    assets: new Map([["/ui/app.js", { contentType: "text/javascript", body: "console.log(1)" }]]),
  });
  try {
    for (const path of ["/v1/members", "/v1/stats", "/v1/events", "/v1/nothing", "/metrics"]) {
      for (const auth of [undefined, "Bearer wrong", "s3cret"]) {
        const headers: Record<string, string> = auth ? { Authorization: auth } : {};
        const denied = await call(`${a.base}${path}`, { headers });
        assert.equal(denied.status, 401, `${path} with ${auth}`);
        assert.equal(denied.headers.get("www-authenticate"), "Bearer");
        assert.deepEqual(denied.json(), { error: "missing or wrong bearer token (http_auth)" });
      }
    }
    const post = await call(`${a.base}/v1/event`, { method: "POST", body: '{"Name":"x"}' });
    assert.equal(post.status, 401);

    const headers = { Authorization: "Bearer s3cret" };
    const members = await call(`${a.base}/v1/members`, { headers });
    assert.equal(members.status, 200);
    assert.equal((members.json() as { Name: string }[])[0]?.Name, "http-auth");
    assert.equal((await call(`${a.base}/metrics`, { headers })).text, "up 1\n");
    const sent = await call(`${a.base}/v1/event`, { method: "POST", body: '{"Name":"x"}', headers });
    assert.equal(sent.status, 200);

    const script = await call(`${a.base}/ui/app.js`);
    assert.equal(script.status, 200);
    assert.equal(script.text, "console.log(1)");
  } finally {
    await a.close();
  }
});
