/**
 * `serfts agent -tcp-only` between real hosts whose UDP is dropped: three
 * network namespaces on a bridge that drops every datagram (nftables). Two
 * serfts agents run with -tcp-only, a real `serf` agent in the default mode
 * joins them. A user event sent on one serfts host must reach the other's
 * handler within gossip time (well before any push/pull), and the real serf
 * must get it too and log no error.
 */
import assert from "node:assert/strict";
import { REQUIRE_REFERENCE } from "../_go_tool.ts";
import { findSerf, waitFor } from "./_serf.ts";
import { bridgedHosts, namespaceSupport, run, startInNamespace } from "./_netns.ts";

const TAG = `stcp${Deno.pid % 10000}`;
const DENO = Deno.execPath();
const CLI = new URL("../../cli.ts", import.meta.url).pathname;
const HANDLER = new URL("./record_handler.sh", import.meta.url).pathname;
const SERF = findSerf();

/** Handler start times (ns since the epoch, from record_handler.sh's file names) for user event `name`. */
async function userEventTimes(dir: string, name: string): Promise<bigint[]> {
  const times: bigint[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".tmp")) continue;
    const body = await Deno.readTextFile(`${dir}/${e.name}`);
    if (body.includes(`SERF_USER_EVENT=${name}\n`)) times.push(BigInt(e.name.split("-")[0]!));
  }
  return times.sort();
}

/** Names of alive members as the serfts agent in `ns` lists them. */
async function aliveMembers(ns: string): Promise<string[]> {
  const r = await run(["ip", "netns", "exec", ns, DENO, "run", "-A", CLI, "members", "-status=alive"]);
  return r.out.split("\n").filter((l) => l.trim() !== "").map((l) => l.trim().split(/\s+/)[0]!).sort();
}

const support = await namespaceSupport(TAG);
const missing = !support.ok ? support.reason : SERF === undefined ? "serf is not installed" : "";
if (missing && !REQUIRE_REFERENCE) console.warn(`SKIPPED tcp-only namespace test: ${missing}`);

Deno.test({
  name:
    "serfts agents with -tcp-only deliver a user event within a second with all UDP dropped; real serf joins",
  ignore: missing !== "" && !REQUIRE_REFERENCE,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(`The tcp-only namespace test needs root, nftables and serf: ${missing}`);
    const net = await bridgedHosts(TAG, 3);
    const dirs = await Promise.all([0, 1, 2].map(() => Deno.makeTempDir({ prefix: "serfts-tcp-only-" })));
    const procs: ReturnType<typeof startInNamespace>[] = [];
    try {
      await net.dropUdp();
      const [nsA, nsB, nsC] = net.hosts as [string, string, string];
      const [ipA, ipB, ipC] = net.ips as [string, string, string];
      const tsAgent = (node: string, ip: string, extra: string[]) => [
        DENO,
        "run",
        "-A",
        CLI,
        "agent",
        "-tcp-only",
        `-node=${node}`,
        `-bind=${ip}`,
        `-event-handler=user:ping=${HANDLER}`,
        ...extra,
      ];
      procs.push(startInNamespace(nsA, tsAgent("ts-a", ipA, []), { RECORD_DIR: dirs[0]! }));
      assert.ok(
        await waitFor(() => procs[0]!.log().includes("Log data will now stream"), 30_000),
        `agent ts-a did not start:\n${procs[0]!.log()}`,
      );
      procs.push(startInNamespace(nsB, tsAgent("ts-b", ipB, [`-join=${ipA}`]), { RECORD_DIR: dirs[1]! }));
      procs.push(
        startInNamespace(nsC, [
          SERF!,
          "agent",
          "-node=go-c",
          `-bind=${ipC}`,
          `-join=${ipA}`,
          `-event-handler=user:ping=${HANDLER}`,
        ], { RECORD_DIR: dirs[2]! }),
      );
      const want = ["go-c", "ts-a", "ts-b"];
      const together = await waitFor(async () => {
        const [a, b] = await Promise.all([aliveMembers(nsA), aliveMembers(nsB)]);
        return JSON.stringify(a) === JSON.stringify(want) && JSON.stringify(b) === JSON.stringify(want);
      }, 40_000);
      assert.ok(together, `the three agents did not all see each other alive`);

      const sent = await run([
        "ip",
        "netns",
        "exec",
        nsA,
        DENO,
        "run",
        "-A",
        CLI,
        "event",
        "-coalesce=false",
        "ping",
        "hi",
      ]);
      assert.equal(sent.code, 0, sent.out);
      assert.ok(
        await waitFor(async () => (await userEventTimes(dirs[1]!, "ping")).length > 0, 10_000),
        "ts-b's handler never saw the user event",
      );
      const [atA] = await userEventTimes(dirs[0]!, "ping");
      const [atB] = await userEventTimes(dirs[1]!, "ping");
      assert.ok(atA !== undefined && atB !== undefined);
      const latencyMs = Number(atB - atA) / 1e6;
      console.log(`tcp-only user event: ts-a handler -> ts-b handler ${latencyMs.toFixed(1)} ms`);
      assert.ok(latencyMs < 1_000, `user event took ${latencyMs.toFixed(1)} ms between the tcp-only hosts`);

      assert.ok(
        await waitFor(async () => (await userEventTimes(dirs[2]!, "ping")).length > 0, 10_000),
        "the real serf's handler never saw the user event",
      );
      const dropped = await net.udpDropped();
      assert.ok(dropped > 0, "the bridge dropped no UDP: the test did not exercise TCP-only paths");
      console.log(`UDP datagrams dropped by the bridge: ${dropped}`);
      const serfErrors = procs[2]!.log().split("\n").filter((l) => l.includes("[ERR]"));
      assert.deepEqual(serfErrors, [], `real serf logged errors:\n${procs[2]!.log()}`);
      for (const p of procs.slice(0, 2)) {
        assert.deepEqual(p.log().split("\n").filter((l) => l.includes("[ERR]")), [], p.log());
      }
    } catch (err) {
      for (const p of procs) console.log(`--- agent log ---\n${p.log()}`);
      throw err;
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      await net.close();
      for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
    }
  },
});
