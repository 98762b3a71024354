/**
 * Differential tests: the real `serf` CLI and ours, against the same real
 * `serf agent`, must print the same stdout and exit with the same code for
 * members, event, query, info and tags. Ignored, with a visible message, when
 * serf is absent. (Help texts are our own wording; usage errors are compared
 * up to the help.)
 */
import assert from "node:assert/strict";
import { findSerfBinary, type RealAgent, startRealAgent, waitUntil } from "../rpc/_serf_agent.ts";
import { type CliResult, normalizeMemberOrder, runOurs, runSerf, sortMatchingLines } from "./_cli.ts";

const serf = findSerfBinary();
if (!serf) {
  console.warn("cli_serf_diff_test: SKIPPED: the serf binary is not installed (apt-get install serf)");
}
const ignore = !serf;

async function both(args: string[], env: Record<string, string> = {}): Promise<[CliResult, CliResult]> {
  return [await runSerf(serf!, args, env), await runOurs(args, env)];
}

/** Same exit code and stdout (after `normalize`). */
function assertSame(theirs: CliResult, ours: CliResult, normalize: (s: string) => string = (s) => s): void {
  assert.equal(ours.code, theirs.code, `exit code\nserf: ${theirs.stdout}\nours: ${ours.stdout}`);
  assert.equal(normalize(ours.stdout), normalize(theirs.stdout));
}

/** Same exit code and the same text before the help (a usage error). */
function assertSameUsageError(theirs: CliResult, ours: CliResult): void {
  assert.equal(ours.code, theirs.code);
  const head = (s: string) => s.split(/^Usage: serf(?:ts)? /m)[0];
  assert.equal(head(ours.stdout), head(theirs.stdout));
  assert.equal(ours.stderr, theirs.stderr);
}

async function withCluster(fn: (a: RealAgent, b: RealAgent) => Promise<void>): Promise<void> {
  const a = await startRealAgent(serf!, "web-1", ["-tag", "role=web", "-tag", "dc=east"]);
  const b = await startRealAgent(serf!, "db-longer-name", ["-tag", "role=db"]).catch(async (err) => {
    await a.stop();
    throw err;
  });
  try {
    const joined = await runSerf(serf!, ["join", `-rpc-addr=${a.rpc}`, b.bind]);
    assert.equal(joined.code, 0, joined.stdout);
    assert.ok(
      await waitUntil(
        async () => (await runOurs(["members", `-rpc-addr=${b.rpc}`])).stdout.split("\n").length === 3,
        5_000,
      ),
    );
    await fn(a, b);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

Deno.test({
  name: "CLI members matches serf: text, detailed, JSON, filters and errors",
  ignore,
  async fn() {
    await withCluster(async (a) => {
      const rpc = `-rpc-addr=${a.rpc}`;
      for (
        const args of [
          ["members", rpc],
          ["members", rpc, "-detailed"],
          ["members", rpc, "-format=json"],
          ["members", rpc, "-format", "json", "-detailed"],
          ["members", rpc, "-status=alive", "-name=web-.*"],
          ["members", rpc, "-tag", "role=d.", "-tag", "role=db"],
          ["members", rpc, "-role=web"],
          ["members", rpc, "-name=nobody"],
          ["members", rpc, "-name=nobody", "-format=json"],
          ["members", rpc, "-format=xml"],
          ["members", rpc, "-tag", "broken"],
          ["members", "-rpc-addr=127.0.0.1:1"],
        ]
      ) {
        const [theirs, ours] = await both(args);
        assertSame(theirs, ours, normalizeMemberOrder);
      }
      const [theirs, ours] = await both(["members"], { SERF_RPC_ADDR: a.rpc });
      assertSame(theirs, ours, normalizeMemberOrder);
      const [t2, o2] = await both(["members", "-bogus"]);
      assertSameUsageError(t2, o2);
    });
  },
});

Deno.test({
  name: "CLI event and query match serf on a handler-less agent (acks only)",
  ignore,
  async fn() {
    await withCluster(async (a) => {
      const rpc = `-rpc-addr=${a.rpc}`;
      for (
        const args of [
          ["event", rpc, "deploy", "v1"],
          ["event", rpc, "-coalesce=false", "deploy"],
          ["query", rpc, "-timeout=400ms", "ping"],
          ["query", rpc, "-timeout=400ms", "-no-ack", "ping", "payload"],
          ["query", rpc, "-timeout=400ms", "-node", "web-1", "ping"],
          ["query", rpc, "-timeout=400ms", "-tag", "role=db", "ping"],
          ["query", rpc, "-format=xml", "ping"],
          ["query", rpc, "-relay-factor=256", "ping"],
          ["query", rpc, "-timeout=400ms", "_serf_nope"],
          ["query", rpc, "-tag", "bad", "ping"],
        ]
      ) {
        const [theirs, ours] = await both(args);
        assertSame(theirs, ours, (s) => sortMatchingLines(s, /^Ack from /));
      }
      const [theirs, ours] = await both(["query", rpc, "-timeout=400ms", "-format=json", "ping"]);
      assert.equal(ours.code, theirs.code);
      const parse = (s: string) => {
        const v = JSON.parse(s);
        return { ...v, Acks: [...v.Acks].sort() };
      };
      assert.deepEqual(parse(ours.stdout), parse(theirs.stdout));
      assert.equal(
        ours.stdout.replace(/"[^"]+"(,?)\n/g, '"x"$1\n'),
        theirs.stdout.replace(/"[^"]+"(,?)\n/g, '"x"$1\n'),
      );
      for (
        const args of [["event", rpc], ["event", rpc, "a", "b", "c"], ["query", rpc], [
          "query",
          "-timeout=xx",
          "q",
        ]]
      ) {
        const [t, o] = await both(args);
        assertSameUsageError(t, o);
      }
    });
  },
});

Deno.test({
  name: "CLI info and tags match serf",
  ignore,
  async fn() {
    await withCluster(async (a, b) => {
      const rpc = `-rpc-addr=${a.rpc}`;
      const [theirs, ours] = await both(["info", rpc]);
      assert.equal(ours.code, 0);
      const shape = (s: string) => s.split("\n").map((l) => l.replace(/ = .*/, ""));
      assert.deepEqual(shape(ours.stdout), shape(theirs.stdout), "same sections and keys");
      const [tj, oj] = await both(["info", rpc, "-format=json"]);
      const keys = (s: string) =>
        Object.entries(JSON.parse(s)).map(([k, v]) => [k, Object.keys(v as object)]);
      assert.deepEqual(keys(oj.stdout), keys(tj.stdout));
      assertSame(...(await both(["info", rpc, "-format=yaml"])));

      const rpcB = `-rpc-addr=${b.rpc}`;
      assertSame(...(await both(["tags", rpcB, "-set", "rack=r1", "-set", "role=cache"])));
      assertSame(...(await both(["tags", rpcB, "-delete", "rack"])));
      assertSame(...(await both(["tags", rpcB, "-set", "nokey"])));
      const [tn, on] = await both(["tags", rpcB]);
      assert.equal(on.code, tn.code);
      assert.match(on.stdout, /^Usage: serfts tags/);
      const [tm, om] = await both(["members", rpcB, "-name=db-longer-name", "-format=json"]);
      assertSame(tm, om);
      assert.deepEqual(JSON.parse(om.stdout).members[0].tags, { role: "cache" });
    });
  },
});
