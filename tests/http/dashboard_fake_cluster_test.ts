/**
 * The dashboard against a fake API (scripts/bench/dashboard_fake_api.ts) with
 * 300 members, some with hostile names: the page must show every member, treat
 * names as text (no HTML, no script), filter and sort the table, colour the
 * map by status as events arrive, reload the members after the event stream
 * ends, and post the event form's body.
 */
import assert from "node:assert/strict";
import { BrowserClient, chromiumMissing } from "../../scripts/browser/client.ts";
import { startFakeApi } from "../../scripts/bench/dashboard_fake_api.ts";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";

const missing = await chromiumMissing();
const HOSTILE = [
  `<img src=x onerror="document.title='pwned'">`,
  `"><script>document.title='pwned'</script>`,
  "web-ü-名前",
];

Deno.test({
  name: "Dashboard shows 300 members as text, filters and sorts them, and follows status events",
  ignore: missing !== undefined && !REQUIRE_REFERENCE,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.equal(missing, undefined, missing);
    const api = startFakeApi({ members: 300, names: ["self-node", ...HOSTILE] });
    let browser: BrowserClient | undefined;
    try {
      browser = await BrowserClient.launch();
      await browser.send({ op: "goto", url: api.url });
      await browser.wait("#members-body tr", 30_000, { nth: 299 });
      await browser.wait("#map circle", 30_000, { nth: 299 });
      assert.equal(await browser.count("#members-body tr"), 300);
      assert.equal(await browser.text("#members-count"), "300 of 300");
      for (const name of HOSTILE) {
        assert.equal(await browser.text(`#members-body tr[data-member="${cssString(name)}"] td.name`), name);
      }
      assert.equal(await browser.count("#members-body img, #members-body script"), 0);
      assert.equal(await browser.text("title"), "serfts dashboard");

      await browser.send({ op: "fill", selector: "#filter-text", value: "site=site-2" });
      await browser.wait("#members-count", 5_000, { hasText: "60 of 300" });
      assert.equal(await browser.count("#members-body tr"), 60);
      await browser.send({ op: "fill", selector: "#filter-text", value: "" });
      await browser.wait("#members-count", 5_000, { hasText: "300 of 300" });

      // Sorting by RTT puts this node (0 distance to itself) first and its site-mates next.
      await browser.send({ op: "click", selector: 'th[data-sort="rtt"]' });
      await browser.wait('th[data-sort="rtt"][aria-sort="ascending"]', 5_000);
      assert.equal(await browser.text("#members-body tr:first-child td.name"), "self-node");
      assert.match(await browser.text("#members-body tr:nth-child(2) td.tags"), /site=site-0/);

      const victim = api.members[7]!;
      victim.Status = "failed";
      api.push("member-failed", { Event: "member-failed", Members: [victim] });
      await browser.wait(`#map circle[data-node="${victim.Name}"][data-status="failed"]`, 10_000);
      await browser.wait(`#members-body tr[data-member="${victim.Name}"][data-status="failed"]`, 5_000);
      assert.equal(await browser.text('#status-counts [data-status="failed"]'), "1 failed");
      await browser.send({ op: "select", selector: "#filter-status", value: "failed" });
      await browser.wait("#members-count", 5_000, { hasText: "1 of 300" });
      assert.equal(await browser.text("#members-body tr td.name"), victim.Name);
      await browser.send({ op: "select", selector: "#filter-status", value: "" });
      await browser.wait("#members-count", 5_000, { hasText: "300 of 300" });

      // Events missed while the stream is down are gone: after it ends, the page reconnects and reloads the list.
      const missed = api.members[11]!;
      missed.Status = "left";
      api.endStreams();
      await browser.wait(`#members-body tr[data-member="${missed.Name}"][data-status="left"]`, 15_000);
      await browser.wait('#status-counts [data-status="left"]', 5_000, { hasText: "1 left" });

      await browser.send({ op: "fill", selector: "#event-name", value: "deploy" });
      await browser.send({ op: "fill", selector: "#event-payload", value: "v7" });
      await browser.send({ op: "click", selector: '#event-form button[type="submit"]' });
      await browser.wait("#notice", 10_000, { hasText: 'Sent user event "deploy"' });
      assert.deepEqual(api.posted, [{ Name: "deploy", Payload: "v7", Coalesce: true }]);
      assert.deepEqual(await browser.problems(), []);
    } finally {
      await browser?.close();
      await api.close();
    }
  },
});

/** CSS attribute-value escaping for the selectors above (quotes and backslashes). */
function cssString(value: string): string {
  return value.replace(/["\\]/g, (c) => `\\${c}`);
}
