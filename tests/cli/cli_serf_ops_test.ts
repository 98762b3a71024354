/**
 * Differential tests, part two: join, leave, force-leave, keys, rtt,
 * reachability, monitor, keygen, help and unknown commands, comparing the real
 * `serf` CLI with ours against real `serf agent`s. Ignored, with a visible
 * message, when serf is absent.
 */
import assert from "node:assert/strict";
import { findSerfBinary, type RealAgent, startRealAgent, waitUntil } from "../rpc/_serf_agent.ts";
import { type CliResult, runOurs, runSerf, sortMatchingLines, startOurs } from "./_cli.ts";

const serf = findSerfBinary();
if (!serf) {
  console.warn("cli_serf_ops_test: SKIPPED: the serf binary is not installed (apt-get install serf)");
}
const ignore = !serf;

async function both(args: string[]): Promise<[CliResult, CliResult]> {
  return [await runSerf(serf!, args), await runOurs(args)];
}

function assertSame(theirs: CliResult, ours: CliResult, normalize: (s: string) => string = (s) => s): void {
  assert.equal(ours.code, theirs.code, `exit code\nserf: ${theirs.stdout}\nours: ${ours.stdout}`);
  assert.equal(normalize(ours.stdout), normalize(theirs.stdout));
}

async function agents(
  specs: [string, string[]][],
  fn: (agents: RealAgent[]) => Promise<void>,
): Promise<void> {
  const started: RealAgent[] = [];
  try {
    for (const [name, extra] of specs) started.push(await startRealAgent(serf!, name, extra));
    await fn(started);
  } finally {
    await Promise.all(started.map((a) => a.stop()));
  }
}

async function memberCount(rpc: string): Promise<number> {
  const r = await runOurs(["members", `-rpc-addr=${rpc}`, "-status=alive"]);
  return r.stdout.trim() === "" ? 0 : r.stdout.trim().split("\n").length;
}

Deno.test({
  name: "CLI join, force-leave and leave match serf",
  ignore,
  async fn() {
    await agents([["j1", []], ["j2", []], ["j3", []], ["j4", []]], async ([a, b, c, d]) => {
      assertSame(...(await both(["join", `-rpc-addr=${a!.rpc}`, b!.bind])));
      assertSame(...(await both(["join", `-rpc-addr=${a!.rpc}`, "-replay", c!.bind, d!.bind])));
      assertSame(...(await both(["join", `-rpc-addr=${a!.rpc}`, "127.0.0.1:1"])));
      const [t, o] = await both(["join", `-rpc-addr=${a!.rpc}`]);
      assert.equal(o.code, t.code);
      assert.equal(o.stdout.split("\n")[0], t.stdout.split("\n")[0]);
      assert.ok(await waitUntil(async () => (await memberCount(a!.rpc)) === 4, 5_000));

      await c!.stop();
      await d!.stop();
      const failed = async (name: string) =>
        (await runOurs(["members", `-rpc-addr=${a!.rpc}`, `-name=${name}`, "-status=failed"])).stdout
          .includes(name);
      assert.ok(await waitUntil(async () => (await failed("j3")) && (await failed("j4")), 20_000));
      const theirs = await runSerf(serf!, ["force-leave", `-rpc-addr=${a!.rpc}`, "j3"]);
      const ours = await runOurs(["force-leave", `-rpc-addr=${a!.rpc}`, "-prune", "j4"]);
      assertSame(theirs, ours);
      assert.equal(ours.stdout, "");
      const left = await runOurs(["members", `-rpc-addr=${a!.rpc}`, "-status=left"]);
      assert.match(left.stdout, /^j3 /);
      assert.ok(
        await waitUntil(
          async () => !(await runOurs(["members", `-rpc-addr=${a!.rpc}`])).stdout.includes("j4"),
          5_000,
        ),
      );
      const [tf, of] = await both(["force-leave", `-rpc-addr=${a!.rpc}`]);
      assert.equal(of.code, tf.code);
      assert.equal(of.stdout.split("\n")[0], tf.stdout.split("\n")[0]);

      const theirLeave = await runSerf(serf!, ["leave", `-rpc-addr=${b!.rpc}`]);
      const ourLeave = await runOurs(["leave", `-rpc-addr=${a!.rpc}`]);
      assertSame(theirLeave, ourLeave);
      assert.equal(ourLeave.stdout, "Graceful leave complete\n");
      for (const agent of [a!, b!]) {
        const exited = await Promise.race([
          agent.exited.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 10_000)),
        ]);
        assert.ok(exited, `${agent.name} exits after leave`);
      }
      assertSame(...(await both(["leave", `-rpc-addr=${a!.rpc}`])));
    });
  },
});

Deno.test({
  name: "CLI keys matches serf on an encrypted cluster",
  ignore,
  async fn() {
    const key1 = "5K9OtfP7efFrNKe5WCQvXvnaXJ5cWP0SvXiwe0kkjM4=";
    const key2 = "HvY8ubRZMgafUOWvrOadwOckVa1wN3QWAo46FVKbVN8=";
    await agents([["e1", [`-encrypt=${key1}`]], ["e2", [`-encrypt=${key1}`]]], async ([a, b]) => {
      const rpc = `-rpc-addr=${a!.rpc}`;
      await runOurs(["join", rpc, b!.bind]);
      assert.ok(await waitUntil(async () => (await memberCount(a!.rpc)) === 2, 5_000));
      assertSame(...(await both(["keys", rpc, "-list"])));
      assertSame(...(await both(["keys", rpc, "-install", key2])));
      assertSame(...(await both(["keys", rpc, "-list"])), (s) => sortMatchingLines(s, /\[\d\/2\]$/));
      assertSame(...(await both(["keys", rpc, "-use", key2])));
      assertSame(...(await both(["keys", rpc, "-remove", key2])), (s) => sortMatchingLines(s, /^failed: /));
      assertSame(...(await both(["keys", rpc, "-use", key1])));
      assertSame(...(await both(["keys", rpc, "-remove", key2])));
      assertSame(...(await both(["keys", rpc, "-install", "not-base64"])));
      assertSame(...(await both(["keys", rpc, "-list", "-use", key1])));
      const [t, o] = await both(["keys", rpc]);
      assert.equal(o.code, t.code);
      assert.match(o.stdout, /^Usage: serfts keys/);
    });
  },
});

Deno.test({
  name: "CLI rtt and reachability match serf",
  ignore,
  async fn() {
    await agents([["r1", []], ["r2", []]], async ([a, b]) => {
      const rpc = `-rpc-addr=${a!.rpc}`;
      await runOurs(["join", rpc, b!.bind]);
      assert.ok(await waitUntil(async () => (await runOurs(["rtt", rpc, "r2"])).code === 0, 10_000));
      for (const args of [["rtt", rpc, "r2"], ["rtt", rpc, "r1", "r2"]]) {
        const [theirs, ours] = await both(args);
        assert.equal(ours.code, 0);
        assert.equal(theirs.code, 0);
        const re = new RegExp(
          `^Estimated ${args.at(-2) === "r1" ? "r1" : "r2"} <-> r\\d rtt: \\d+\\.\\d{3} ms\\n$`,
        );
        assert.match(ours.stdout, re);
        assert.equal(ours.stdout.replace(/[\d.]+ ms/, "N ms"), theirs.stdout.replace(/[\d.]+ ms/, "N ms"));
      }
      assertSame(...(await both(["rtt", rpc, "nobody"])));
      assertSame(...(await both(["rtt", rpc, "r1", "nobody"])));
      const [tu, ou] = await both(["rtt", rpc]);
      assert.equal(ou.code, tu.code);
      assert.equal(ou.stdout.split("\n")[0], tu.stdout.split("\n")[0]);

      assertSame(...(await both(["reachability", rpc])));
      const mask = (s: string) => sortMatchingLines(s.replace(/[\d.]+ sec/g, "N sec"), /^\tAck from /);
      assertSame(...(await both(["reachability", rpc, "-verbose"])), mask);
      await b!.stop();
      const failed = async () => (await runOurs(["members", rpc, "-status=failed"])).stdout.startsWith("r2 ");
      assert.ok(await waitUntil(failed, 20_000));
      // A failed member is not expected to ack: both count one live member of two.
      const [tr, or] = await both(["reachability", rpc]);
      assertSame(tr, or);
      assert.match(or.stdout, /^Total members: 2, live members: 1\n/);
    });
  },
});

Deno.test({
  name: "CLI monitor prints the same log lines and event info as serf, and exits 0 on Ctrl-C",
  ignore,
  async fn() {
    await agents([["m1", []]], async ([a]) => {
      const rpc = `-rpc-addr=${a!.rpc}`;
      const theirs = new Deno.Command(serf!, {
        args: ["monitor", rpc, "-log-level=info"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      let theirOut = "";
      const pump = (async () => {
        for await (const c of theirs.stdout) theirOut += new TextDecoder().decode(c);
      })();
      const ours = startOurs(["monitor", rpc, "-log-level=info"]);
      try {
        assert.ok(
          await waitUntil(
            () => theirOut.includes("agent.ipc: Accepted client") && ours.stdout().length > 0,
            5_000,
          ),
        );
        await runSerf(serf!, ["event", rpc, "-coalesce=false", "hello", "world"]);
        const eventBlock = (s: string) => {
          const i = s.indexOf("Event Info:");
          return i < 0 ? undefined : s.slice(i).split("\n").slice(1, 6).sort();
        };
        assert.ok(
          await waitUntil(
            () => eventBlock(theirOut)?.length === 5 && eventBlock(ours.stdout())?.length === 5,
            5_000,
          ),
        );
        assert.deepEqual(eventBlock(ours.stdout()), eventBlock(theirOut));
        const firstLine = (s: string) => s.split("\n")[0];
        assert.equal(firstLine(ours.stdout()), firstLine(theirOut), "same replayed log backlog");
        assert.ok(!ours.stdout().includes("[DEBUG]"), "level filter applies");
      } finally {
        theirs.kill("SIGINT");
        ours.interrupt();
      }
      assert.equal((await theirs.status).code, 0);
      await pump;
      const result = await ours.done;
      assert.equal(result.code, 0);
      assertSame(...(await both(["monitor", rpc, "-log-level=loud"])));
    });
  },
});

Deno.test({
  name: "CLI keygen, help and unknown commands behave like serf",
  ignore,
  async fn() {
    const [theirs, ours] = await both(["keygen"]);
    assert.equal(ours.code, theirs.code);
    for (const out of [theirs.stdout, ours.stdout]) {
      assert.match(out, /^[A-Za-z0-9+/]{43}=\n$/);
      assert.equal(atob(out.trim()).length, 32);
    }
    assert.notEqual(ours.stdout, (await runOurs(["keygen"])).stdout);
    for (const cmd of ["members", "query", "keys", "rtt", "monitor"]) {
      const [t, o] = await both([cmd, "-h"]);
      assert.equal(o.code, t.code);
      assert.equal(o.stdout, t.stdout);
      assert.match(o.stderr, new RegExp(`^Usage: serfts ${cmd} `));
    }
    for (const args of [["bogus"], []]) {
      const [t, o] = await both(args);
      assert.equal(o.code, t.code);
      assert.equal(o.code, 127);
      assert.match(
        o.stderr,
        /^Usage: serfts \[--version\] \[--help\] <command> \[<args>\]\n\nAvailable commands are:\n/,
      );
    }
  },
});
