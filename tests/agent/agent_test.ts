import assert from "node:assert/strict";
import { join } from "node:path";
import { Agent } from "../../lib/agent/agent.ts";
import { type AgentConfig, defaultAgentConfig } from "../../lib/agent/config.ts";
import { retryJoin, SignalQueue, waitForExit } from "../../lib/agent/lifecycle.ts";
import type { SerfEvent } from "../../lib/serf/types.ts";
import { readRecords, RECORD_HANDLER, testPlatform, waitUntil } from "./_records.ts";

const enc = new TextEncoder();

function config(name: string, extra: Partial<AgentConfig> = {}): AgentConfig {
  return {
    ...defaultAgentConfig(),
    nodeName: name,
    bindAddr: "127.0.0.1:0",
    enableCompression: true,
    ...extra,
  };
}

async function startAgent(c: AgentConfig, env: Record<string, string> = {}): Promise<Agent> {
  const agent = await Agent.create({ config: c, platform: testPlatform(env) });
  await agent.start();
  return agent;
}

function gossipAddr(agent: Agent): string {
  const m = agent.serf.localMember();
  return `${m.addr}:${m.port}`;
}

Deno.test("Agent runs handlers for member, user and query events and answers queries", async () => {
  const dir = await Deno.makeTempDir();
  const a = await startAgent(config("a", { eventHandlers: [RECORD_HANDLER], tags: { role: "web" } }), {
    RECORD_DIR: dir,
  });
  const b = await startAgent(config("b"));
  try {
    const seen: SerfEvent[] = [];
    const off = a.subscribeEvents((e) => seen.push(e));
    const logLines: string[] = [];
    const offLogs = a.subscribeLogs("info", (l) => logLines.push(l));
    assert.ok(
      logLines.some((l) => l.includes("[INFO] agent: Serf agent starting")),
      "recent lines are replayed",
    );

    assert.equal(await b.join([gossipAddr(a)], false), 1);
    assert.ok(
      await waitUntil(
        async () =>
          (await readRecords(dir)).some((r) =>
            r.stdin.split("\n").some((l) => l.startsWith("b\t127.0.0.1\t"))
          ),
        15_000,
      ),
      "a's handler saw b join",
    );
    b.userEvent("deploy", enc.encode("v1"), false);
    assert.ok(
      await waitUntil(
        async () => (await readRecords(dir)).some((r) => r.env.get("SERF_USER_EVENT") === "deploy"),
        15_000,
      ),
    );

    const q = b.query("uptime", enc.encode("p"), { timeoutMs: 5_000 });
    const answers: string[] = [];
    for await (const r of q.responses) {
      answers.push(`${r.from}:${new TextDecoder().decode(r.payload)}`);
      if (r.from === "a") break;
    }
    q.close();
    assert.deepEqual(answers, ["a:pong from a"]);

    const records = await readRecords(dir);
    const user = records.find((r) => r.env.get("SERF_EVENT") === "user")!;
    assert.equal(user.env.get("SERF_SELF_NAME"), "a");
    assert.equal(user.env.get("SERF_SELF_ROLE"), "web");
    assert.equal(user.env.get("SERF_TAG_ROLE"), "web");
    assert.equal(user.stdin, "v1\n");
    const query = records.find((r) => r.env.get("SERF_EVENT") === "query")!;
    assert.equal(query.env.get("SERF_QUERY_NAME"), "uptime");
    assert.equal(query.stdin, "p\n");
    assert.ok(seen.some((e) => e.type === "user" && e.name === "deploy"));
    assert.ok(logLines.some((l) => l.includes("[INFO] agent: Received event: user-event: deploy")));
    assert.ok(!logLines.some((l) => l.includes("[DEBUG]")), "the subscriber's level is honoured");

    const stats = a.stats();
    assert.deepEqual(Object.keys(stats).sort(), ["agent", "event_handlers", "runtime", "serf", "tags"]);
    assert.equal(stats.agent!.name, "a");
    assert.deepEqual(stats.tags, { role: "web" });
    assert.deepEqual(stats.event_handlers, { "*:": RECORD_HANDLER });
    assert.equal(stats.serf!.members, "2");
    assert.deepEqual(Object.keys(stats.runtime!).sort(), [
      "arch",
      "cpu_count",
      "goroutines",
      "max_procs",
      "os",
      "version",
    ]);
    assert.ok(a.getCoordinate("a"));

    assert.throws(() => a.query("_serf_x", new Uint8Array()), {
      message: "Queries cannot contain the '_serf_' prefix",
    });
    await b.setTags({ dc: "east" }, []);
    await a.setTags({ dc: "west" }, ["role"]);
    assert.deepEqual(a.serf.localMember().tags, { dc: "west" });
    assert.ok(await waitUntil(() => a.members().find((m) => m.name === "b")?.tags.dc === "east", 10_000));
    off();
    offLogs();
  } finally {
    await b.leave().catch(() => {});
    await b.shutdown();
    await a.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Agent restores tags and keys from their files and keeps the tags file current", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tagsFile = join(dir, "tags.json");
    const keyringFile = join(dir, "keyring.json");
    await Deno.writeTextFile(tagsFile, '{"role": "db"}');
    await Deno.writeTextFile(keyringFile, '["5K9OtfFHVgxBPxRcsvCqMQ=="]');
    const platform = testPlatform();
    await assert.rejects(
      Agent.create({ config: config("x", { tagsFile, tags: { a: "b" } }), platform }),
      { message: "Tags config not allowed while using tag files" },
    );
    await assert.rejects(
      Agent.create({
        config: config("x", { keyringFile, encryptKey: "5K9OtfFHVgxBPxRcsvCqMQ==" }),
        platform,
      }),
      { message: "Encryption key not allowed while using a keyring" },
    );
    await assert.rejects(
      Agent.create({ config: config("x", { keyringFile: join(dir, "none.json") }), platform }),
      { message: `stat ${join(dir, "none.json")}: no such file or directory` },
    );
    const agent = await startAgent(config("x", { tagsFile, keyringFile }));
    try {
      assert.deepEqual(agent.serf.localMember().tags, { role: "db" });
      assert.equal(agent.serf.encryptionEnabled, true);
      await agent.setTags({ dc: "east" }, []);
      assert.equal(await Deno.readTextFile(tagsFile), '{\n  "dc": "east",\n  "role": "db"\n}');
      // A reload keeps the file's tags (the config cannot carry tags alongside a tags file).
      await agent.reload(config("x", { tagsFile, eventHandlers: ["user=true"] }));
      assert.deepEqual(agent.serf.localMember().tags, { dc: "east", role: "db" });
      assert.deepEqual(agent.stats().event_handlers, { "user:": "true" });
    } finally {
      await agent.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Agent start reports Serf's errors", async () => {
  const platform = testPlatform();
  const bad = await Agent.create({ config: config("x", { protocol: 9 }), platform });
  await assert.rejects(bad.start(), {
    message: "Error creating Serf: Protocol version '9' too high. Must be in range: [2, 5]",
  });
  await bad.shutdown();
  const shortKey = await Agent.create({ config: config("x", { encryptKey: "YWJj" }), platform });
  await assert.rejects(shortKey.start(), {
    message: "Error creating Serf: Failed to create memberlist: key size must be 16, 24 or 32 bytes",
  });
  await shortKey.shutdown();
  await assert.rejects(Agent.create({ config: config("x", { encryptKey: "abc" }), platform }), {
    message: "Invalid encryption key: illegal base64 data at input byte 0",
  });
  await assert.rejects(Agent.create({ config: config("x", { bindAddr: "::1" }), platform }), {
    message: "Invalid bind address: address ::1: too many colons in address",
  });
});

Deno.test("retryJoin retries at its interval and gives up after retryMaxAttempts", async () => {
  const agent = await startAgent(
    config("r", { retryJoin: ["127.0.0.1:1"], retryMaxAttempts: 2, retryIntervalMs: 50 }),
  );
  try {
    const lines: string[] = [];
    agent.subscribeLogs("INFO", (l) => lines.push(l));
    assert.equal(await retryJoin(agent, new AbortController().signal), false);
    assert.equal(
      lines.filter((l) => l.includes("[INFO] agent: Joining cluster...(replay: false)")).length,
      3,
    );
    assert.ok(
      lines.some((l) => l.includes("[WARN] agent: Join failed: ") && l.endsWith(", retrying in 50ms")),
    );
    assert.ok(lines.some((l) => l.includes("[ERR] agent: maximum retry join attempts made, exiting")));
  } finally {
    await agent.shutdown();
  }
});

Deno.test("waitForExit: SIGHUP reloads, SIGTERM exits without leaving, SIGINT leaves gracefully", async () => {
  const platform = testPlatform();
  const out: string[] = [];
  const run = async (c: AgentConfig, signals: ("SIGHUP" | "SIGTERM" | "SIGINT")[]) => {
    const agent = await Agent.create({ config: c, platform });
    await agent.start();
    const queue = new SignalQueue(platform);
    let reloads = 0;
    try {
      const exit = waitForExit(agent, {
        signals: queue,
        output: (t) => out.push(t),
        error: (t) => out.push(t),
        reload: () => Promise.resolve(void reloads++),
        retryJoinFailed: new Promise(() => {}),
      });
      for (const s of signals) platform.fire(s);
      const code = await exit;
      return { code, reloads, status: agent.serf.state };
    } finally {
      await agent.shutdown();
      queue.close();
    }
  };
  assert.deepEqual(await run(config("t"), ["SIGHUP", "SIGTERM"]), { code: 1, reloads: 1, status: "alive" });
  assert.deepEqual(out.splice(0), ["Caught signal: hangup", "Caught signal: terminated"]);
  assert.deepEqual(await run(config("t"), ["SIGINT"]), { code: 0, reloads: 0, status: "left" });
  assert.deepEqual(out.splice(0), ["Caught signal: interrupt", "Gracefully shutting down agent..."]);
  assert.deepEqual(await run(config("t", { leaveOnTerm: true }), ["SIGTERM"]), {
    code: 0,
    reloads: 0,
    status: "left",
  });
  assert.deepEqual(await run(config("t", { skipLeaveOnInt: true }), ["SIGINT"]), {
    code: 1,
    reloads: 0,
    status: "alive",
  });
});
