/**
 * The real `serf` CLI pointed at a serfts agent behaves as when pointed at a
 * real Serf agent: both agents sit in one cluster, so most outputs must be
 * identical (after sorting unordered lines), and exit codes always match.
 */
import assert from "node:assert/strict";
import { findSerf, freePort, startSerf, waitFor } from "./_serf.ts";
import { startAgentProcess } from "./_serfts.ts";

const serfBin = findSerf();
if (!serfBin) console.warn("serf_cli_against_serfts_test: SKIPPED: the serf binary is not installed");

async function serfCli(rpc: string, args: string[]): Promise<{ code: number; out: string }> {
  const [cmd, ...rest] = args;
  const r = await new Deno.Command(serfBin!, {
    args: [cmd!, `-rpc-addr=${rpc}`, ...rest],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Lines sorted, trailing spaces and column padding collapsed (columns align to the longest cell). */
function canon(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/\s+/g, " ").trim()).filter((l) => l !== "").sort();
}

function keysOf(info: string): string[] {
  return info.split("\n").filter((l) => /^\S.*:$/.test(l) || /^\t\S+ = /.test(l)).map((l) =>
    l.split(" = ")[0]!.trim()
  )
    .sort();
}

Deno.test({
  name: "Interop: the real serf CLI gets the same answers from a serfts agent as from a serf agent",
  ignore: !serfBin,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const serf = await startSerf(serfBin!, "cli-s1", ["-tag=role=web"]);
    const ts = startAgentProcess([
      "-node=cli-t1",
      `-bind=127.0.0.1:${freePort()}`,
      "-tag=role=db",
      `-join=${serf.bind}`,
    ]);
    try {
      const up = await waitFor(async () => {
        for (const rpc of [serf.rpc, ts.rpcAddr]) {
          const r = await serfCli(rpc, ["members", "-status=alive"]);
          if (r.code !== 0 || canon(r.out).length !== 2) return false;
        }
        return true;
      }, 30_000);
      assert.ok(up, `cluster did not form:\n${ts.output()}`);

      const both = async (args: string[]) => {
        const [a, b] = await Promise.all([serfCli(serf.rpc, args), serfCli(ts.rpcAddr, args)]);
        assert.equal(
          b.code,
          a.code,
          `exit codes differ for ${args.join(" ")}:\nserf: ${a.out}\nserfts: ${b.out}`,
        );
        return { serf: a, serfts: b };
      };

      // members: identical views, text and JSON, with filters.
      for (
        const args of [["members"], ["members", "-detailed"], ["members", "-status=alive"], [
          "members",
          "-name=cli-t1",
        ], [
          "members",
          "-tag",
          "role=db",
        ]]
      ) {
        const r = await both(args);
        assert.deepEqual(canon(r.serfts.out), canon(r.serf.out), args.join(" "));
      }
      const mj = await both(["members", "-format=json"]);
      const sortByName = (j: { members: { name: string }[] }) =>
        j.members.sort((x, y) => x.name < y.name ? -1 : 1);
      assert.deepEqual(sortByName(JSON.parse(mj.serfts.out)), sortByName(JSON.parse(mj.serf.out)));

      // event and tags: same confirmation text.
      const ev = await both(["event", "-coalesce=false", "deploy", "v1"]);
      assert.equal(ev.serfts.out.replace("deploy", "X"), ev.serf.out.replace("deploy", "X"));
      const tg = await both(["tags", "-set", "zone=a"]);
      assert.equal(tg.serfts.out, tg.serf.out);

      // query: both see both nodes' acks; output lines match as sets once the dispatch line is set aside.
      const q = await both(["query", "-timeout=3s", "ping"]);
      const qlines = (t: string) => canon(t).filter((l) => !/dispatched|Total/.test(l));
      assert.deepEqual(qlines(q.serfts.out), qlines(q.serf.out));
      assert.match(q.serfts.out, /Total Acks: 2/);

      // info: same sections and keys (values are per node).
      const info = await both(["info"]);
      const missing = keysOf(info.serf.out).filter((k) => !keysOf(info.serfts.out).includes(k));
      assert.deepEqual(missing, [], `serfts info lacks: ${missing.join(", ")}`);
      const infoJson = await both(["info", "-format=json"]);
      assert.deepEqual(
        Object.keys(JSON.parse(infoJson.serfts.out)).sort(),
        Object.keys(JSON.parse(infoJson.serf.out)).sort(),
      );

      // rtt between the two nodes (once coordinates settled), from either agent.
      const rttOk = await waitFor(async () => {
        const r = await both(["rtt", "cli-s1", "cli-t1"]);
        return r.serf.code === 0 && /Estimated cli-s1 <-> cli-t1 rtt: [0-9.]+ ms/.test(r.serfts.out);
      }, 20_000);
      assert.ok(rttOk, "rtt did not work against serfts");
      const rttMissing = await both(["rtt", "nobody"]);
      assert.notEqual(rttMissing.serf.code, 0);
      assert.equal(rttMissing.serfts.out, rttMissing.serf.out);

      // keys without encryption, force-leave of an unknown node, join: same texts and codes.
      const keys = await both(["keys", "-list"]);
      assert.deepEqual(canon(keys.serfts.out), canon(keys.serf.out)); // per-node lines come in map order
      const fl = await both(["force-leave", "nobody"]);
      assert.equal(fl.serfts.out, fl.serf.out);
      const join = await both(["join", serf.bind]);
      assert.equal(join.serfts.out, join.serf.out);

      // reachability and monitor: same shape.
      const reach = await both(["reachability"]);
      assert.match(reach.serfts.out, /Total members: 2, live members: 2/);
      assert.match(reach.serfts.out, /Successfully contacted all live nodes/);
      const mon = new Deno.Command(serfBin!, {
        args: ["monitor", `-rpc-addr=${ts.rpcAddr}`, "-log-level=debug"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, 2_500));
      mon.kill("SIGINT");
      const monOut = new TextDecoder().decode((await mon.output()).stdout);
      assert.match(monOut, /\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(DEBUG|INFO)\] /);

      // leave: the serfts agent leaves gracefully and exits; serf sees it left.
      const lv = await serfCli(ts.rpcAddr, ["leave"]);
      assert.equal(lv.code, 0, lv.out);
      assert.match(lv.out, /Graceful leave complete/);
      assert.equal(await ts.exited, 0);
      assert.ok(
        await waitFor(
          async () => (await serf.members()).find((m) => m.name === "cli-t1")?.status === "left",
          15_000,
        ),
      );
    } finally {
      await ts.stop("SIGKILL");
      await serf.stop();
    }
  },
});
