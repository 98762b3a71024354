/**
 * serf#509: a query through a serfts agent ends once every matched member has
 * answered, for the serfts CLI and the real `serf` CLI alike; `-wait-timeout`
 * keeps Serf's wait; against a real Serf agent the query runs to its timeout.
 */
import assert from "node:assert/strict";
import { runOurs } from "../cli/_cli.ts";
import { findSerf, freePort, startSerf, waitFor } from "./_serf.ts";
import { startAgentProcess } from "./_serfts.ts";

const serfBin = findSerf();
if (!serfBin) console.warn("query_early_finish_test: SKIPPED: the serf binary is not installed");

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

Deno.test({
  name: "Query: ends when every member answered; -wait-timeout waits; a Serf agent always waits",
  ignore: !serfBin,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const handler = "-event-handler=query:uptime=echo up";
    const a = startAgentProcess(["-node=early-a", `-bind=127.0.0.1:${freePort()}`, handler]);
    const bPort = freePort();
    const b = startAgentProcess(["-node=early-b", `-bind=127.0.0.1:${bPort}`, handler]);
    const serf = await startSerf(serfBin!, "early-s", [handler]);
    try {
      const joined = await waitFor(async () => {
        const r = await runOurs(["members", `-rpc-addr=${a.rpcAddr}`, "-status=alive"]);
        if (r.code !== 0) return false;
        if (r.stdout.trim().split("\n").length < 3) {
          await runOurs(["join", `-rpc-addr=${a.rpcAddr}`, `127.0.0.1:${bPort}`, serf.bind]);
          return false;
        }
        return true;
      }, 30_000);
      assert.ok(joined, `cluster did not form:\n${a.output()}\n${b.output()}`);

      // Three members, three handlers: done long before the 20 s timeout.
      const [ours, oursMs] = await timed(() =>
        runOurs(["query", `-rpc-addr=${a.rpcAddr}`, "-timeout=20s", "uptime"])
      );
      assert.equal(ours.code, 0, ours.stderr);
      assert.match(ours.stdout, /Total Acks: 3\nTotal Responses: 3\n$/);
      assert.ok(oursMs < 10_000, `serfts CLI query took ${oursMs} ms of 20 s`);

      const [theirs, theirsMs] = await timed(async () => {
        const r = await new Deno.Command(serfBin!, {
          args: ["query", `-rpc-addr=${a.rpcAddr}`, "-timeout=20s", "uptime"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        return { code: r.code, stdout: new TextDecoder().decode(r.stdout) };
      });
      assert.equal(theirs.code, 0);
      assert.match(theirs.stdout, /Total Responses: 3/);
      assert.ok(theirsMs < 10_000, `real serf CLI query through serfts took ${theirsMs} ms of 20 s`);

      const [waited, waitedMs] = await timed(() =>
        runOurs(["query", `-rpc-addr=${a.rpcAddr}`, "-timeout=3s", "-wait-timeout", "uptime"])
      );
      assert.equal(waited.code, 0, waited.stderr);
      assert.match(waited.stdout, /Total Responses: 3/);
      assert.ok(waitedMs >= 3_000, `-wait-timeout returned after ${waitedMs} ms`);

      // The real agent does not know the extension: it answers and waits, as Serf does.
      const [viaSerf, viaSerfMs] = await timed(() =>
        runOurs(["query", `-rpc-addr=${serf.rpc}`, "-timeout=3s", "uptime"])
      );
      assert.equal(viaSerf.code, 0, viaSerf.stderr);
      assert.match(viaSerf.stdout, /Total Responses: 3/);
      assert.ok(viaSerfMs >= 3_000, `a Serf agent ended the query after ${viaSerfMs} ms`);
    } finally {
      await serf.stop();
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
    }
  },
});
