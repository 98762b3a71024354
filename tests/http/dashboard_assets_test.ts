import assert from "node:assert/strict";
import { DASHBOARD_ASSETS } from "../../lib/http/dashboard_assets.ts";
import { ASSETS_MODULE, buildDashboardAssetsModule } from "../../scripts/build_dashboard.ts";

Deno.test("lib/http/dashboard_assets.ts equals a fresh bundle of lib/http/dashboard/", async () => {
  const committed = await Deno.readTextFile(new URL(`../../${ASSETS_MODULE}`, import.meta.url));
  const fresh = await buildDashboardAssetsModule();
  assert.ok(
    committed === fresh,
    `${ASSETS_MODULE} is stale: run deno run -A scripts/build_dashboard.ts and commit the result`,
  );
});

Deno.test("DASHBOARD_ASSETS serves the page, its script and its style, with nothing from elsewhere", () => {
  assert.deepEqual([...DASHBOARD_ASSETS.keys()].sort(), ["/", "/ui/app.js", "/ui/style.css"]);
  const html = DASHBOARD_ASSETS.get("/")!;
  assert.equal(html.contentType, "text/html; charset=utf-8");
  assert.match(html.body, /<script type="module" src="\/ui\/app\.js"><\/script>/);
  assert.match(html.body, /<link rel="stylesheet" href="\/ui\/style\.css">/);
  assert.equal(DASHBOARD_ASSETS.get("/ui/app.js")!.contentType, "text/javascript; charset=utf-8");
  assert.equal(DASHBOARD_ASSETS.get("/ui/style.css")!.contentType, "text/css; charset=utf-8");
  for (const [path, asset] of DASHBOARD_ASSETS) {
    // No CDN, no remote import: the only absolute URL is the SVG namespace name.
    const remote = asset.body.replaceAll("http://www.w3.org/2000/svg", "").match(/https?:\/\/[^\s"'`)]+/);
    assert.equal(remote, null, `${path} refers to ${remote?.[0]}`);
  }
  const script = DASHBOARD_ASSETS.get("/ui/app.js")!.body;
  assert.doesNotMatch(script, /\bimport\s*[({"']|\bfrom\s*["']/, "the bundle must be self-contained");
  assert.doesNotMatch(script, /\bDeno\./, "browser code must not touch Deno");
});
