/**
 * The dashboard end to end, as issue 14 asks: three `dist/serfts` agents, one
 * with `-http-addr` (and `-http-auth`, whose token the page asks for), the page
 * open in headless Chromium. It must list the three
 * members, show one turn failed after it is killed, show user events sent from
 * the page's form and from another agent over RPC, and save a screenshot
 * (dist/dashboard_browser_test.png; with SERFTS_UPDATE_SCREENSHOTS=1 also
 * docs/dashboard.png, which the README shows).
 */
import assert from "node:assert/strict";
import { BrowserClient, chromiumMissing } from "../../scripts/browser/client.ts";
import { ensureBinary } from "../_binary.ts";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { type AgentProcess, connectWhenReady, startAgentProcess } from "../interop/_serfts.ts";

const root = new URL("../../", import.meta.url).pathname;
const missing = await chromiumMissing();
const TOKEN = "dash-secret";
const HTTP_LOG = /HTTP API and dashboard at (http:\/\/\S+\/)/;

function row(name: string, status: string): string {
  return `#members-body tr[data-member="${name}"][data-status="${status}"]`;
}

Deno.test({
  name: "Dashboard shows three agents, a killed one turning failed, and user events in its feed",
  ignore: missing !== undefined && !REQUIRE_REFERENCE,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.equal(missing, undefined, missing);
    const binary = await ensureBinary();
    const agents: AgentProcess[] = [];
    let browser: BrowserClient | undefined;
    try {
      const bindA = `127.0.0.1:${freePort()}`;
      const common = ["-profile=local", "-log-level=info"];
      const a = startAgentProcess(
        ["-node=dash-a", `-bind=${bindA}`, "-http-addr=127.0.0.1:0", `-http-auth=${TOKEN}`, ...common],
        binary,
      );
      agents.push(a);
      await (await connectWhenReady(a)).close();
      const b = startAgentProcess(["-node=dash-b", "-bind=127.0.0.1:0", `-join=${bindA}`, ...common], binary);
      const c = startAgentProcess(["-node=dash-c", "-bind=127.0.0.1:0", `-join=${bindA}`, ...common], binary);
      agents.push(b, c);
      const rpcB = await connectWhenReady(b);
      await (await connectWhenReady(c)).close();
      assert.ok(
        await waitFor(() => HTTP_LOG.test(a.output()), 10_000),
        `no HTTP address logged:\n${a.output()}`,
      );
      const url = a.output().match(HTTP_LOG)![1]!;

      const refused = await fetch(`${url}v1/members`);
      assert.equal(refused.status, 401, await refused.text());

      browser = await BrowserClient.launch();
      await browser.send({ op: "goto", url });
      // http_auth is set: the page's first API call gets 401 and it asks for the token.
      await browser.wait("#token-form", 15_000);
      assert.match(await browser.text("#notice"), /http_auth/);
      await browser.send({ op: "fill", selector: "#token-input", value: TOKEN });
      await browser.send({ op: "click", selector: '#token-form button[type="submit"]' });
      for (const name of ["dash-a", "dash-b", "dash-c"]) await browser.wait(row(name, "alive"), 30_000);
      assert.equal(await browser.text("#self-name"), "dash-a");
      // The map fills in once every node has a coordinate (probes every ~200 ms on the local profile).
      await browser.wait("#map circle", 30_000, { nth: 2 });
      assert.equal(await browser.count("#map circle"), 3);

      c.child.kill("SIGKILL");
      await browser.wait(row("dash-c", "failed"), 30_000);
      await browser.wait('#feed li[data-kind="member-failed"]', 5_000, { hasText: "dash-c" });
      assert.equal(await browser.text('#status-counts [data-status="failed"]'), "1 failed");

      await browser.send({ op: "fill", selector: "#event-name", value: "deploy" });
      await browser.send({ op: "fill", selector: "#event-payload", value: "v42 from the page" });
      await browser.send({ op: "click", selector: '#event-form button[type="submit"]' });
      await rpcB.userEvent("restart", new TextEncoder().encode("from dash-b over RPC"), false);
      await rpcB.close();
      await browser.wait('#feed li[data-kind="user"]', 15_000, { hasText: "v42 from the page" });
      await browser.wait('#feed li[data-kind="user"]', 15_000, { hasText: "from dash-b over RPC" });
      assert.match(await browser.text("#notice"), /Sent user event "deploy"/);

      await Deno.mkdir(`${root}dist`, { recursive: true });
      const shot = `${root}dist/dashboard_browser_test.png`;
      await browser.send({ op: "hover", selector: '#map circle[data-node="dash-b"]' });
      await browser.send({ op: "screenshot", path: shot, fullPage: true });
      const png = await Deno.readFile(shot);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
      if (Deno.env.get("SERFTS_UPDATE_SCREENSHOTS") === "1") {
        await Deno.writeFile(`${root}docs/dashboard.png`, png);
      }
      // Chromium logs the expected 401s before the token was entered; nothing else may show up.
      const problems = (await browser.problems()).filter((p) => !/status of 401/.test(p));
      assert.deepEqual(problems, [], "the page logged errors");
    } finally {
      await browser?.close();
      await Promise.all(agents.map((agent) => agent.stop("SIGKILL")));
    }
  },
});
