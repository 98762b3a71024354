/**
 * Network coordinates across a mixed cluster: serf agents learn serfts nodes'
 * Vivaldi coordinates from probe acks and vice versa, so `serf rtt` gives
 * finite estimates for every pair, and serfts has a coordinate for everyone.
 */
import assert from "node:assert/strict";
import { distanceTo } from "../../lib/coordinate/coordinate.ts";
import { findSerf, startSerf, waitFor } from "./_serf.ts";
import { type AgentProcess, type InProcessNode, startAgentProcess, startInProcess } from "./_serfts.ts";

const serfBin = findSerf();
if (!serfBin) console.warn("coordinate_interop_test: SKIPPED: the serf binary is not installed");

Deno.test({
  name: "Interop: serf rtt and serfts coordinates give finite estimates for every pair",
  ignore: !serfBin,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s1 = await startSerf(serfBin!, "c-s1", ["-profile=local"]);
    const s2 = await startSerf(serfBin!, "c-s2", ["-profile=local"]);
    const ts: InProcessNode[] = [];
    let agent: AgentProcess | undefined;
    try {
      ts.push(await startInProcess("c-t1", { profile: "local" }));
      ts.push(await startInProcess("c-t2", { profile: "local" }));
      await ts[0]!.serf.join([s1.bind]);
      await ts[1]!.serf.join([s1.bind]);
      assert.equal((await s2.cli(["join", s1.bind])).code, 0);
      agent = startAgentProcess(["-node=c-t3", "-bind=127.0.0.1:0", "-profile=local", `-join=${s1.bind}`]);
      const names = ["c-s1", "c-s2", "c-t1", "c-t2", "c-t3"];
      // Every serf agent can estimate every pair (it needs both coordinates cached).
      const serfOk = await waitFor(async () => {
        for (const a of names) {
          for (const b of names) {
            if (a >= b) continue;
            const r = await s2.cli(["rtt", a, b]);
            if (r.code !== 0) return false;
            const m = /Estimated \S+ <-> \S+ rtt: ([0-9.]+) ms/.exec(r.stdout);
            if (!m || !Number.isFinite(Number(m[1]))) return false;
          }
        }
        return true;
      }, 30_000);
      assert.ok(serfOk, `serf rtt failed: ${(await s2.cli(["rtt", "c-t1", "c-t2"])).stderr}`);
      // Both CLIs, against both kinds of agent, estimate every pair.
      const cli = new URL("../../cli.ts", import.meta.url).pathname;
      const run = async (bin: "serf" | "serfts", rpc: string, a: string, b: string) => {
        const cmd = bin === "serf" ? [serfBin!, "rtt"] : [Deno.execPath(), "run", "-A", cli, "rtt"];
        const r = await new Deno.Command(cmd[0]!, {
          args: [...cmd.slice(1), `-rpc-addr=${rpc}`, a, b],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const out = new TextDecoder().decode(r.stdout);
        const m = /Estimated \S+ <-> \S+ rtt: ([0-9.]+) ms/.exec(out);
        return r.code === 0 && m !== null && Number.isFinite(Number(m[1]));
      };
      const everyPair = async () => {
        for (const bin of ["serf", "serfts"] as const) {
          for (const rpc of [s2.rpc, agent!.rpcAddr]) {
            for (const a of names) {
              for (const b of names) {
                if (a < b && !(await run(bin, rpc, a, b))) return `${bin} via ${rpc}: ${a} <-> ${b}`;
              }
            }
          }
        }
        return "";
      };
      let failure = "not run";
      assert.ok(
        await waitFor(async () => (failure = await everyPair()) === "", 60_000),
        `rtt failed: ${failure}`,
      );
      // Every serfts node has a coordinate for everyone and finite distances.
      const tsOk = await waitFor(() =>
        ts.every((t) =>
          names.every((n) => {
            const c = n === t.serf.localMember().name
              ? t.serf.getCoordinate()
              : t.serf.getCachedCoordinate(n);
            return c !== undefined && Number.isFinite(distanceTo(t.serf.getCoordinate()!, c));
          })
        ), 30_000);
      assert.ok(tsOk, "serfts lacks coordinates");
      for (const t of ts) assert.equal(t.serf.statsMap().coordinate_resets, "0");
    } finally {
      for (const t of ts) await t.stop();
      await agent?.stop("SIGKILL");
      await s1.stop();
      await s2.stop();
    }
  },
});
