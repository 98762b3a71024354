/**
 * RpcClient against the real `serf agent` (Debian's serf 0.9.4): every RPC
 * command, streams and auth. Ignored, with a visible message, when serf is absent.
 */
import assert from "node:assert/strict";
import { RpcClient, RpcError } from "../../lib/rpc/client.ts";
import type { RpcStreamRecord } from "../../lib/rpc/bodies.ts";
import { findSerfBinary, type RealAgent, startRealAgent, waitUntil } from "./_serf_agent.ts";

const serf = findSerfBinary();
if (!serf) console.warn("client_serf_test: SKIPPED: the serf binary is not installed (apt-get install serf)");
const ignore = !serf;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function withAgents(
  names: string[],
  fn: (agents: RealAgent[]) => Promise<void>,
  extra: string[] = [],
): Promise<void> {
  const agents: RealAgent[] = [];
  try {
    for (const n of names) agents.push(await startRealAgent(serf!, n, extra));
    await fn(agents);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}

Deno.test({
  name: "RpcClient drives a real serf agent: members, join, tags, events, stats, coordinates",
  ignore,
  async fn() {
    await withAgents(["alpha", "beta"], async ([a, b]) => {
      const c = await RpcClient.connect(a!.rpc);
      try {
        const [me] = await c.members();
        assert.equal(me!.name, "alpha");
        assert.equal(me!.addr, "127.0.0.1");
        assert.equal(`127.0.0.1:${me!.port}`, a!.bind);
        assert.equal(me!.status, "alive");

        assert.equal(await c.join([b!.bind], false), 1);
        await assert.rejects(
          c.join(["127.0.0.1:1"], false),
          (e) => e instanceof RpcError && /refused/.test(e.message),
        );
        assert.ok(await waitUntil(async () => (await c.members()).length === 2, 5_000));

        await c.updateTags({ role: "web", dc: "x" }, []);
        await c.updateTags({}, ["dc"]);
        assert.deepEqual((await c.members()).find((m) => m.name === "alpha")!.tags, { role: "web" });
        assert.deepEqual((await c.membersFiltered({ role: "w.b" })).map((m) => m.name), ["alpha"]);
        assert.deepEqual((await c.membersFiltered({}, "alive", "be.*")).map((m) => m.name), ["beta"]);

        const events: RpcStreamRecord[] = [];
        const handle = await c.stream("user", (r) => events.push(r));
        await c.userEvent("deploy", text("v9"), false);
        assert.ok(await waitUntil(() => events.length > 0, 5_000));
        const ev = events[0]!;
        assert.ok(ev.event === "user" && ev.name === "deploy" && str(ev.payload) === "v9" && !ev.coalesce);
        await handle.stop();
        await handle.ended;

        const stats = await c.stats();
        assert.deepEqual(Object.keys(stats).sort(), ["agent", "event_handlers", "runtime", "serf", "tags"]);
        assert.equal(stats.agent!.name, "alpha");
        assert.equal(stats.serf!.members, "2");
        assert.ok(await waitUntil(async () => (await c.getCoordinate("beta")) !== undefined, 10_000));
        const coord = await c.getCoordinate("alpha");
        assert.equal(coord!.vec.length, 8);
        assert.equal(await c.getCoordinate("nobody"), undefined);
      } finally {
        c.close();
      }
    });
  },
});

Deno.test({
  name: "RpcClient runs queries on a real agent and answers queries delivered on its stream",
  ignore,
  async fn() {
    await withAgents(["asker", "answerer"], async ([a, b]) => {
      const ca = await RpcClient.connect(a!.rpc);
      const cb = await RpcClient.connect(b!.rpc);
      try {
        await ca.join([b!.bind], false);
        assert.ok(await waitUntil(async () => (await cb.members()).length === 2, 5_000));
        const answered: number[] = [];
        const handle = await cb.stream("query:uptime", (r) => {
          if (r.event !== "query") return;
          answered.push(r.id);
          cb.respond(r.id, text("up 5s")).catch(() => {});
        });
        const acks: string[] = [];
        const responses: string[] = [];
        let started = false;
        await ca.query({ name: "uptime", requestAck: true, timeoutMs: 1_500 }, {
          onStarted: () => started = true,
          onAck: (from) => acks.push(from),
          onResponse: (r) => responses.push(`${r.from}=${str(r.payload)}`),
        });
        assert.ok(started);
        assert.deepEqual(acks.sort(), ["answerer", "asker"]);
        assert.deepEqual(responses, ["answerer=up 5s"]);
        await assert.rejects(cb.respond(answered[0]!, text("again")), /response already sent/);
        await assert.rejects(cb.respond(999, text("x")), /No pending queries matching ID/);
        await handle.stop();

        await assert.rejects(ca.query({ name: "_serf_nope" }), /cannot contain/);
        const pings: string[] = [];
        await ca.query({ name: "_serf_ping", requestAck: true, timeoutMs: 500 }, {
          onAck: (f) => pings.push(f),
        });
        assert.deepEqual(pings.sort(), ["answerer", "asker"]);
      } finally {
        ca.close();
        cb.close();
      }
    });
  },
});

Deno.test({
  name: "RpcClient monitors logs, force-leaves a failed node and makes an agent leave",
  ignore,
  async fn() {
    await withAgents(["keeper", "victim"], async ([a, b]) => {
      const c = await RpcClient.connect(a!.rpc);
      try {
        await assert.rejects(c.monitor("loud", () => {}), /Unknown log level: LOUD/);
        const lines: string[] = [];
        const mon = await c.monitor("debug", (l) => lines.push(l));
        assert.ok(
          await waitUntil(() => lines.some((l) => l.includes("[INFO] agent: Serf agent starting")), 5_000),
        );
        await c.join([b!.bind], false);
        assert.ok(await waitUntil(() => lines.some((l) => /\[DEBUG\]/.test(l)), 5_000));
        await mon.stop();

        await b!.stop();
        assert.ok(
          await waitUntil(async () => (await c.members()).some((m) => m.status === "failed"), 15_000),
        );
        await c.forceLeave("victim");
        assert.ok(await waitUntil(async () => (await c.members()).some((m) => m.status === "left"), 5_000));
        await c.forceLeave("victim", true);
        assert.ok(await waitUntil(async () => (await c.members()).length === 1, 5_000));

        await c.leave();
        const status = await Promise.race([
          a!.exited,
          new Promise((r) => setTimeout(() => r("timeout"), 10_000)),
        ]);
        assert.notEqual(status, "timeout", "agent exits after an RPC leave");
      } finally {
        c.close();
      }
    });
  },
});

Deno.test({
  name: "RpcClient manages keys and authenticates against a real agent",
  ignore,
  async fn() {
    const key1 = "5K9OtfP7efFrNKe5WCQvXvnaXJ5cWP0SvXiwe0kkjM4=";
    const key2 = "HvY8ubRZMgafUOWvrOadwOckVa1wN3QWAo46FVKbVN8=";
    const config = Deno.makeTempFileSync({ suffix: ".json" });
    Deno.writeTextFileSync(config, JSON.stringify({ rpc_auth: "tok" }));
    await withAgents(["k1"], async ([a]) => {
      const anonymous = await RpcClient.connect(a!.rpc);
      await assert.rejects(anonymous.members(), { message: "Authentication required" });
      anonymous.close();
      await assert.rejects(RpcClient.connect(a!.rpc, { authKey: "wrong" }), /Invalid authentication token/);
      const c = await RpcClient.connect(a!.rpc, { authKey: "tok" });
      try {
        assert.deepEqual(await c.listKeys(), {
          messages: {},
          keys: { [key1]: 1 },
          numNodes: 1,
          numErr: 0,
          numResp: 1,
        });
        assert.equal((await c.installKey(key2)).error, undefined);
        assert.equal((await c.useKey(key2)).error, undefined);
        const refused = await c.removeKey(key2);
        assert.equal(refused.error, "1/1 nodes reported failure");
        assert.match(refused.messages.k1!, /primary/);
        assert.equal((await c.useKey(key1)).error, undefined);
        assert.equal((await c.removeKey(key2)).error, undefined);
        assert.deepEqual((await c.listKeys()).keys, { [key1]: 1 });
      } finally {
        c.close();
      }
    }, [`-encrypt=${key1}`, `-config-file=${config}`]).finally(() => Deno.removeSync(config));
  },
});

Deno.test({
  name: "RpcClient reports connection failures in Go's words",
  async fn() {
    await assert.rejects(RpcClient.connect("127.0.0.1:1", { timeoutMs: 2_000 }), {
      message: "dial tcp 127.0.0.1:1: connect: connection refused",
    });
    await assert.rejects(RpcClient.connect("127.0.0.1"), {
      message: "dial tcp: address 127.0.0.1: missing port in address",
    });
  },
});
