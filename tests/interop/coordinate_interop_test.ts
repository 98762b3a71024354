/**
 * Network coordinates across a mixed cluster: serf agents learn serfts nodes'
 * Vivaldi coordinates from probe acks and vice versa. `serf rtt` and
 * `serfts rtt`, against a serf and a serfts agent, give loopback-sized
 * estimates for every pair; serf's printed estimate is exactly lib's
 * distanceTo on the same coordinates; and each serfts node's own estimates
 * agree with the serf agent's within a loopback-sized bound.
 */
import assert from "node:assert/strict";
import { type Coordinate, distanceTo } from "../../lib/coordinate/coordinate.ts";
import { formatRttMs } from "../../lib/cli/rtt_command.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import { findSerf, startSerf, waitFor } from "./_serf.ts";
import { type AgentProcess, type InProcessNode, startAgentProcess, startInProcess } from "./_serfts.ts";

const serfBin = findSerf();
if (!serfBin) console.warn("coordinate_interop_test: SKIPPED: the serf binary is not installed");

Deno.test({
  name: "Interop: serf and serfts estimate every pair alike, within loopback round-trip bounds",
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
      const estimate = async (bin: "serf" | "serfts", rpc: string, a: string, b: string) => {
        const cmd = bin === "serf" ? [serfBin!, "rtt"] : [Deno.execPath(), "run", "-A", cli, "rtt"];
        const r = await new Deno.Command(cmd[0]!, {
          args: [...cmd.slice(1), `-rpc-addr=${rpc}`, a, b],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const m = /Estimated \S+ <-> \S+ rtt: ([0-9.]+) ms/.exec(new TextDecoder().decode(r.stdout));
        const ms = m ? Number(m[1]) : NaN;
        return r.code === 0 && Number.isFinite(ms) ? ms : undefined;
      };
      const pairs = names.flatMap((a) => names.filter((b) => a < b).map((b) => [a, b] as const));
      // Every pair is estimated by both CLIs against both kinds of agent.
      const everyPair = async () => {
        for (const rpc of [s2.rpc, agent!.rpcAddr]) {
          for (const [a, b] of pairs) {
            for (const bin of ["serf", "serfts"] as const) {
              const ms = await estimate(bin, rpc, a, b);
              // Loopback round trips are under a millisecond idle and a few under load; a unit
              // error (seconds for milliseconds) or a diverging update lands far outside this.
              if (ms === undefined || !(ms > 0 && ms <= 50)) {
                return `${bin} via ${rpc}: ${a} <-> ${b} = ${ms}`;
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

      // Go's estimate equals ours on the same coordinates: read both coordinates from the serf
      // agent, run `serf rtt`, read them again; when they did not move meanwhile, serf's printed
      // estimate must be exactly lib's distanceTo + formatRttMs.
      const client = await RpcClient.connect(s2.rpc);
      try {
        const snapshot = async (a: string, b: string) =>
          JSON.stringify([await client.getCoordinate(a), await client.getCoordinate(b)]);
        for (const [a, b] of pairs) {
          let compared = false;
          for (let attempt = 0; attempt < 20 && !compared; attempt++) {
            const before = await snapshot(a, b);
            const r = await s2.cli(["rtt", a, b]);
            const after = await snapshot(a, b);
            if (before !== after) continue;
            const [ca, cb] = JSON.parse(before) as [Coordinate, Coordinate];
            assert.equal(r.stdout.trim(), `Estimated ${a} <-> ${b} rtt: ${formatRttMs(distanceTo(ca, cb))}`);
            compared = true;
          }
          assert.ok(compared, `${a} <-> ${b}: coordinates never held still for one serf rtt`);
        }

        // Every serfts node has a coordinate for everyone, and its estimate of each pair, from its
        // own cache, agrees with the serf agent's estimate taken at the same moment from serf's cache.
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
        // Caches lag by up to a probe round, and load from other processes moves loopback RTTs by
        // milliseconds, so the views may disagree for a moment; a serfts node that misreads or
        // mis-updates coordinates never comes within the bound.
        let report: string[] = [];
        let disagreement = "";
        const agree = async () => {
          report = [];
          disagreement = "";
          for (const t of ts) {
            const coord = (n: string) =>
              n === t.serf.localMember().name ? t.serf.getCoordinate()! : t.serf.getCachedCoordinate(n)!;
            for (const [a, b] of pairs) {
              const [ca, cb] = [await client.getCoordinate(a), await client.getCoordinate(b)];
              const theirs = distanceTo(ca!, cb!) * 1_000;
              const mine = distanceTo(coord(a), coord(b)) * 1_000;
              report.push(`${t.serf.localMember().name}:${a}-${b}=${mine.toFixed(3)}/${theirs.toFixed(3)}`);
              if (!(mine > 0 && mine <= 50 && Math.abs(mine - theirs) <= Math.max(2, theirs))) {
                disagreement ||=
                  `${t.serf.localMember().name}: ${a} <-> ${b} estimated ${mine.toFixed(3)} ms, ` +
                  `serf ${theirs.toFixed(3)} ms`;
              }
            }
          }
          return disagreement === "";
        };
        assert.ok(await waitFor(agree, 30_000), disagreement);
        console.log(`coordinate_interop_test (ms, serfts node's / serf agent's): ${report.join(" ")}`);
      } finally {
        client.close();
      }
      for (const t of ts) assert.equal(t.serf.statsMap().coordinate_resets, "0");
    } finally {
      for (const t of ts) await t.stop();
      await agent?.stop("SIGKILL");
      await s1.stop();
      await s2.stop();
    }
  },
});
