/**
 * Both CLIs against OUR RpcServer (fake agent with fixed data): shows that the
 * Go client understands our server byte for byte, and lets outputs be
 * compared exactly (no random member order or coordinate drift), including
 * query responses, rtt arithmetic, auth and an IPv6 member. Also runs our CLI
 * under Bun and the server under Bun. Serf parts are ignored when serf is absent.
 */
import assert from "node:assert/strict";
import { RpcServer } from "../../lib/rpc/server.ts";
import { formatAddress } from "../../lib/util/addr.ts";
import { FakeAgent, member } from "../rpc/_fake_agent.ts";
import { findSerfBinary, waitUntil } from "../rpc/_serf_agent.ts";
import { type CliResult, runOurs, runSerf, sortMatchingLines } from "./_cli.ts";

const serf = findSerfBinary();
if (!serf) console.warn("cli_fake_server_diff_test: SKIPPED: the serf binary is not installed");
const text = (s: string) => new TextEncoder().encode(s);

async function withServer(fn: (rpc: string, agent: FakeAgent) => Promise<void>, authKey = ""): Promise<void> {
  const agent = new FakeAgent();
  agent.others = [
    member("db-1", "10.0.0.2", 7946, { role: "db" }),
    { ...member("v6-node", "fd00::1:2", 8301, {}), status: "failed" },
  ];
  agent.coordinates.set("local", {
    vec: [0.001, 0.0002, 0, 0, 0, 0, 0, 0],
    error: 0.4,
    adjustment: 0.0001,
    height: 0.00002,
  });
  agent.coordinates.set("db-1", {
    vec: [0.0035, 0, 0, 0, 0, 0, 0.0001, 0],
    error: 0.4,
    adjustment: -0.00005,
    height: 0.00003,
  });
  const server = await RpcServer.listen({ host: "127.0.0.1", port: 0 }, { agent, authKey });
  try {
    await fn(`-rpc-addr=${formatAddress(server.address!)}`, agent);
  } finally {
    await server.close();
  }
}

async function assertBothSame(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const theirs = await runSerf(serf!, args, env);
  const ours = await runOurs(args, env);
  assert.equal(ours.code, theirs.code, `${args.join(" ")}\nserf: ${theirs.stdout}\nours: ${ours.stdout}`);
  // Acks and responses race each other (in Go's client too): compare them as a set.
  const norm = (s: string) => sortMatchingLines(s, /^(Ack|Response) from /);
  assert.equal(norm(ours.stdout), norm(theirs.stdout), args.join(" "));
  return ours;
}

Deno.test({
  name: "Serf's CLI and ours print the same against our server",
  ignore: !serf,
  async fn() {
    await withServer(async (rpc, agent) => {
      agent.autoAcks = ["local", "db-1"];
      agent.autoResponses = [{ from: "db-1", payload: text("pong\n") }, {
        from: "local",
        payload: text("<ok & fine>"),
      }];
      for (
        const args of [
          ["members", rpc],
          ["members", rpc, "-detailed"],
          ["members", rpc, "-format=json"],
          ["members", rpc, "-status=failed"],
          ["members", rpc, "-tag", "role=db"],
          ["members", rpc, "-name=("],
          ["event", rpc, "deploy", "v2"],
          ["query", rpc, "-timeout=300ms", "uptime"],
          ["query", rpc, "-timeout=300ms", "-format=json", "uptime"],
          ["query", rpc, "-timeout=300ms", "-no-ack", "uptime", "x"],
          ["info", rpc],
          ["info", rpc, "-format=json"],
          ["rtt", rpc, "db-1"],
          ["rtt", rpc, "db-1", "local"],
          ["rtt", rpc, "v6-node"],
          ["join", rpc, "127.0.0.1:9", "127.0.0.1:10"],
          ["force-leave", rpc, "v6-node"],
          ["tags", rpc, "-set", "rack=r2", "-delete", "role"],
          ["keys", rpc, "-list"],
          ["keys", rpc, "-install", "bad"],
          ["reachability", rpc],
        ]
      ) await assertBothSame(args);
      agent.failNext = "1 error occurred:\n\t* Failed to join 127.0.0.1: refused\n\n";
      const theirs = await runSerf(serf!, ["join", rpc, "127.0.0.1:1"]);
      agent.failNext = "1 error occurred:\n\t* Failed to join 127.0.0.1: refused\n\n";
      assert.deepEqual(await runOurs(["join", rpc, "127.0.0.1:1"]), theirs);
      await assertBothSame(["leave", rpc]);
      assert.ok(agent.shutdownCalled);
    });
  },
});

Deno.test({
  name: "Serf's CLI and ours authenticate against our server the same way",
  ignore: !serf,
  async fn() {
    await withServer(async (rpc) => {
      await assertBothSame(["members", rpc]);
      await assertBothSame(["members", rpc, "-rpc-auth=wrong"]);
      await assertBothSame(["members", rpc, "-rpc-auth=tok"]);
      await assertBothSame(["members", rpc], { SERF_RPC_AUTH: "tok" });
    }, "tok");
  },
});

Deno.test({
  name: "Serf's monitor reads events and logs from our server",
  ignore: !serf,
  async fn() {
    await withServer(async (rpc, agent) => {
      const child = new Deno.Command(serf!, { args: ["monitor", rpc, "-log-level=debug"], stdout: "piped" })
        .spawn();
      let out = "";
      const pump = (async () => {
        for await (const c of child.stdout) out += new TextDecoder().decode(c);
      })();
      try {
        assert.ok(await waitUntil(() => agent.logSubscribers === 1 && agent.eventSubscribers === 1, 5_000));
        agent.log("2020/01/01 00:00:02 [DEBUG] agent: live line");
        agent.emit({ type: "user", lTime: 300, name: "go", payload: text("p"), coalesce: true });
        assert.ok(await waitUntil(() => out.includes("LTime: 0x12c"), 5_000), out);
        assert.match(out, /^2020\/01\/01 00:00:00 \[INFO\] agent: started\n/);
        assert.match(out, /\[DEBUG\] agent: live line\n/);
        assert.match(out, /\tPayload: \[\]byte\{0x70\}\n/);
      } finally {
        child.kill("SIGINT");
        await child.status;
        await pump;
      }
    });
  },
});

const bun = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const hasBun = (() => {
  try {
    return Deno.statSync(bun).isFile;
  } catch {
    return false;
  }
})();
if (!hasBun) console.warn("cli_fake_server_diff_test: Bun parts SKIPPED: node_modules/.bin/bun is missing");

Deno.test({
  name: "Our CLI under Bun talks to our server, and our server under Bun serves our Deno client",
  ignore: !hasBun,
  async fn() {
    await withServer(async (rpc) => {
      const out = await new Deno.Command(bun, {
        args: [new URL("../../cli.ts", import.meta.url).pathname, "members", rpc, "-detailed"],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const ours = await runOurs(["members", rpc, "-detailed"]);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(new TextDecoder().decode(out.stdout), ours.stdout);
    });
    const server = new Deno.Command(bun, {
      args: [new URL("./_bun_rpc_server.ts", import.meta.url).pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = server.stdout.getReader();
    try {
      let line = "";
      const deadline = Date.now() + 20_000;
      while (!line.includes("\n") && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        line += new TextDecoder().decode(value);
      }
      const addr = line.trim();
      assert.match(addr, /^127\.0\.0\.1:\d+$/);
      const members = await runOurs(["members", `-rpc-addr=${addr}`]);
      assert.equal(members.code, 0);
      assert.match(members.stdout, /^bun-node {2}127\.0\.0\.1:7946 {2}alive {2}runtime=bun\n$/);
      const query = await runOurs(["query", `-rpc-addr=${addr}`, "-timeout=300ms", "q"]);
      assert.equal(
        query.stdout,
        "Query 'q' dispatched\nAck from 'bun-node'\nResponse from 'bun-node': hi\nTotal Acks: 1\nTotal Responses: 1\n",
      );
    } finally {
      reader.releaseLock();
      await server.stdin.close();
      await server.status;
      await server.stdout.cancel();
      await server.stderr.cancel();
    }
  },
});
