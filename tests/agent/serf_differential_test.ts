/**
 * Differential tests against the real `serf agent` (Debian's 0.9.4): the same
 * recording handler runs under a real agent and under a serfts Agent in one
 * loopback cluster, and what each handler saw (SERF_* environment and stdin)
 * must match once node-specific values are normalised. Ignored when serf is
 * not installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Agent } from "../../lib/agent/agent.ts";
import { emptyAgentConfig } from "../../lib/agent/config.ts";
import { resolveAgentConfig } from "../../lib/agent/config_resolve.ts";
import { findSerf, type SerfAgent, startSerf } from "../interop/_serf.ts";
import { type HandlerRecord, readRecords, RECORD_HANDLER, testPlatform, waitUntil } from "./_records.ts";

const serf = findSerf();

/**
 * What one handler saw, comparable across agents: member events flattened to
 * one entry per member line (coalescing batches members by timing), tags
 * within a line sorted (Go's map order is random), our own name and the
 * other agent's replaced by `<self>` and `<peer>`.
 */
function normalise(records: HandlerRecord[], self: string, peer: string): string[] {
  const rename = (n: string | undefined) => n === self ? "<self>" : n === peer ? "<peer>" : n;
  const out: string[] = [];
  for (const r of records) {
    const env = [...r.env].map(([k, v]) => `${k}=${k === "SERF_SELF_NAME" ? rename(v) : v}`).sort().join(" ");
    const type = r.env.get("SERF_EVENT")!;
    if (type.startsWith("member-")) {
      for (const line of r.stdin.split("\n").filter((l) => l !== "")) {
        const [name, addr, role, tags = ""] = line.split("\t");
        const sortedTags = tags.split(",").sort().join(",");
        out.push(`${env} | ${rename(name)}\t${addr}\t${role}\t${sortedTags}`);
      }
    } else {
      out.push(`${env} | ${JSON.stringify(r.stdin)}`);
    }
  }
  return out.sort();
}

function memberLines(records: HandlerRecord[], event: string): string[] {
  return records.filter((r) => r.env.get("SERF_EVENT") === event).flatMap((r) =>
    r.stdin.split("\n").filter((l) => l !== "")
  );
}

Deno.test({
  name: "Handlers under serfts see exactly what they see under serf agent",
  ignore: !serf,
  sanitizeOps: false, // the interop helper's child-process pumps finish after the test body
  sanitizeResources: false,
  async fn() {
    const realDir = await Deno.makeTempDir();
    const tsDir = await Deno.makeTempDir();
    const tags = ["-tag", "role=web", "-tag", "dc=east"];
    let r1: SerfAgent | undefined;
    let victim: SerfAgent | undefined;
    let ts: Agent | undefined;
    try {
      r1 = await startSerf(serf!, "r1", [`-event-handler=${RECORD_HANDLER}`, ...tags], {
        RECORD_DIR: realDir,
      });
      ts = await Agent.create({
        config: {
          ...(await resolveAgentConfig(
            {
              ...emptyAgentConfig(),
              nodeName: "ts1",
              bindAddr: "127.0.0.1:0",
              protocol: -1,
              enableCompression: true,
              eventHandlers: [RECORD_HANDLER],
              tags: { role: "web", dc: "east" },
            },
            [],
            testPlatform(),
          )).config,
        },
        platform: testPlatform({ RECORD_DIR: tsDir }),
      });
      await ts.start();
      assert.equal(await ts.join([r1.bind], false), 1);
      victim = await startSerf(serf!, "victim", [`-join=${r1.bind}`, "-tag", "role=db", "-tag", "x-y=1"]);

      const sawJoins = async (dir: string) => {
        const lines = memberLines(await readRecords(dir), "member-join").map((l) => l.split("\t")[0]);
        return ["r1", "ts1", "victim"].every((n) => lines.includes(n));
      };
      assert.ok(
        await waitUntil(async () => (await sawJoins(realDir)) && (await sawJoins(tsDir)), 30_000),
        "joins",
      );

      const ev = await r1.cli(["event", "deploy", "v2"]);
      assert.equal(ev.code, 0, ev.stderr);
      const sawUser = async (dir: string) =>
        (await readRecords(dir)).some((r) => r.env.get("SERF_EVENT") === "user");
      assert.ok(
        await waitUntil(async () => (await sawUser(realDir)) && (await sawUser(tsDir)), 20_000),
        "user event",
      );

      const q = await r1.cli(["query", "-format=json", "-timeout=5s", "uptime", "payload"]);
      assert.equal(q.code, 0, q.stderr);
      const responses = JSON.parse(q.stdout).Responses as Record<string, string>;
      assert.equal(responses.ts1, "pong from ts1");
      assert.equal(responses.r1, "pong from r1");

      await victim.stop(); // SIGKILL: a failure, not a leave
      victim = undefined;
      const sawFailed = async (dir: string) =>
        memberLines(await readRecords(dir), "member-failed").some((l) => l.startsWith("victim\t"));
      assert.ok(
        await waitUntil(async () => (await sawFailed(realDir)) && (await sawFailed(tsDir)), 45_000),
        "failed",
      );

      const real = normalise(await readRecords(realDir), "r1", "ts1");
      const ours = normalise(await readRecords(tsDir), "ts1", "r1");
      assert.deepEqual(ours, real);
      // The comparison covered every kind of event, with the details that matter.
      const all = ours.join("\n");
      for (
        const needle of [
          "SERF_EVENT=member-join",
          "SERF_EVENT=member-failed",
          "SERF_USER_EVENT=deploy",
          '"v2\\n"',
        ]
      ) {
        assert.ok(all.includes(needle), needle);
      }
      assert.ok(all.includes("SERF_QUERY_NAME=uptime") && all.includes('"payload\\n"'));
      assert.ok(all.includes("victim\t127.0.0.1\tdb\trole=db,x-y=1"));
      assert.ok(all.includes("SERF_TAG_DC=east") && all.includes("SERF_SELF_ROLE=web"));
    } finally {
      await victim?.stop();
      await ts?.shutdown();
      await r1?.stop();
      await Deno.remove(realDir, { recursive: true });
      await Deno.remove(tsDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Config files, directories and flags merge as in serf agent (serf info tags and event_handlers)",
  ignore: !serf,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    let real: SerfAgent | undefined;
    let ts: Agent | undefined;
    try {
      const confDir = join(dir, "conf.d");
      await Deno.mkdir(confDir);
      await Deno.writeTextFile(
        join(confDir, "b.json"),
        '{"tags": {"b": "3"}, "event_handlers": ["member-join,member-leave=j.sh", "x.sh"]}',
      );
      await Deno.writeTextFile(
        join(confDir, "a.json"),
        '{"tags": {"a": "1", "b": "2"}, "event_handlers": ["x.sh", "user:deploy=d.sh"], "role": "r0"}',
      );
      await Deno.writeTextFile(join(confDir, "ignored.txt"), "{");
      const file = join(dir, "first.json");
      await Deno.writeTextFile(
        file,
        '{"tags": {"a": "0", "z": "9"}, "event_handlers": ["query:up=first.sh"]}',
      );
      const flags = [
        "-config-file",
        file,
        `-config-dir=${confDir}`,
        "-tag",
        "c=4",
        "-event-handler=query:up=q.sh",
      ];
      real = await startSerf(serf!, "cfg", flags);
      const info = JSON.parse((await real.cli(["info", "-format=json"])).stdout);

      const resolved = await resolveAgentConfig(
        {
          ...emptyAgentConfig(),
          nodeName: "cfg",
          bindAddr: "127.0.0.1:0",
          protocol: -1,
          enableCompression: true,
          tags: { c: "4" },
          eventHandlers: ["query:up=q.sh"],
        },
        [file, confDir],
        testPlatform(),
      );
      ts = await Agent.create({ config: resolved.config, platform: testPlatform() });
      await ts.start();
      const stats = ts.stats();
      assert.deepEqual(stats.tags, info.tags);
      assert.deepEqual(stats.event_handlers, info.event_handlers);
      assert.deepEqual(Object.keys(stats.serf!).sort(), Object.keys(info.serf).sort());
      assert.deepEqual(Object.keys(stats.runtime!).sort(), Object.keys(info.runtime).sort());
    } finally {
      await ts?.shutdown();
      await real?.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
