/**
 * A headless Chromium that another process steers: Debian's /usr/bin/chromium
 * launched by playwright-core, commands read as JSON lines on stdin, one JSON
 * answer line per command on stdout. It exists because playwright-core probes
 * files (/proc/sys/fs/binfmt_misc/WSLInterop) that Deno lets only `--allow-all`
 * programs read, while the test suite runs with narrower permissions; the
 * tests and the dashboard benchmark run this driver with `-A` through
 * scripts/browser/client.ts instead.
 *
 * Run: `deno run -A scripts/browser/driver.ts [width] [height]`. The browser and
 * its fresh profile directory go away on the `close` command or when stdin ends
 * (the parent died), so no Chromium outlives its test.
 *
 * @module
 */
import { chromium } from "playwright-core";
import type { BrowserCommand, BrowserReply } from "./protocol.ts";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * The flags this machine needs: root needs --no-sandbox; the rest keep
 * Chromium from calling Google's services, which the closed network refuses.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function main(): Promise<void> {
  const width = Number(Deno.args[0] ?? 1400);
  const height = Number(Deno.args[1] ?? 1000);
  const profile = await Deno.makeTempDir({ prefix: "serfts-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: { width, height },
    timeout: 60_000,
  }).catch(async (err) => {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    throw err;
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });

  async function run(cmd: BrowserCommand): Promise<unknown> {
    switch (cmd.op) {
      case "goto":
        await page.goto(cmd.url);
        return null;
      case "wait":
        await page.locator(cmd.selector, cmd.hasText ? { hasText: cmd.hasText } : {}).nth(cmd.nth ?? 0)
          .waitFor({ timeout: cmd.timeoutMs });
        return null;
      case "count":
        return await page.locator(cmd.selector).count();
      case "text":
        return await page.locator(cmd.selector).first().textContent();
      case "fill":
        await page.fill(cmd.selector, cmd.value);
        return null;
      case "click":
        await page.click(cmd.selector);
        return null;
      case "select":
        await page.selectOption(cmd.selector, cmd.value);
        return null;
      case "hover":
        // Forced: on a dense map another dot may cover part of the target.
        await page.hover(cmd.selector, { force: true });
        return null;
      case "screenshot":
        await page.screenshot({ path: cmd.path, fullPage: cmd.fullPage ?? false });
        return null;
      case "measures":
        return await page.evaluate(
          (n) => performance.getEntriesByName(n, "measure").map((m) => m.duration),
          cmd.name,
        );
      case "problems":
        return problems.slice();
      case "close":
        return null;
    }
  }

  const encoder = new TextEncoder();
  const reply = (r: BrowserReply) => Deno.stdout.write(encoder.encode(JSON.stringify(r) + "\n"));
  await reply({ id: 0, ok: true, value: "ready" });
  let buffered = "";
  const decoder = new TextDecoder();
  try {
    reading: for await (const chunk of Deno.stdin.readable) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const cmd = JSON.parse(line) as BrowserCommand & { id: number };
        try {
          await reply({ id: cmd.id, ok: true, value: await run(cmd) });
        } catch (err) {
          await reply({ id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err) });
        }
        if (cmd.op === "close") break reading;
      }
    }
  } finally {
    await context.close().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
