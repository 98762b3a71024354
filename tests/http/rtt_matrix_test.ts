/**
 * `serfts rtt -matrix`: the all-pairs table over RPC, against serfts agents and
 * against a real serf agent (whose estimates `serf rtt` prints for comparison).
 */
import assert from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { defaultAgentConfig } from "../../lib/agent/config.ts";
import type { RttMatrix } from "../../lib/cli/rtt_matrix.ts";
import { startRpcServer } from "../../lib/rpc/server.ts";
import { testPlatform, waitUntil } from "../agent/_records.ts";
import { runOurs } from "../cli/_cli.ts";
import { findSerf, startSerf } from "../interop/_serf.ts";

const serfBin = findSerf();
if (!serfBin) {
  if (Deno.env.get("SERFTS_REQUIRE_REFERENCE") === "1") {
    throw new Error("serf is required (SERFTS_REQUIRE_REFERENCE=1)");
  }
  console.warn(
    "rtt_matrix_test: SKIPPED (serf part): the serf binary is not installed (apt-get install serf)",
  );
}

/** A serfts agent with its RPC server on loopback. */
async function rpcAgent(name: string) {
  const agent = await Agent.create({
    config: { ...defaultAgentConfig(), nodeName: name, bindAddr: "127.0.0.1:0", profile: "local" },
    platform: testPlatform(),
  });
  await agent.start();
  const rpc = await startRpcServer(agent, { addr: "127.0.0.1:0", authKey: "", logger: agent.logger });
  return {
    agent,
    rpcAddr: `127.0.0.1:${rpc.address!.port}`,
    gossip: `127.0.0.1:${agent.serf.memberlist.advertiseAddress.port}`,
    async close() {
      await rpc.close();
      await agent.shutdown();
    },
  };
}

async function matrixJson(rpcAddr: string): Promise<RttMatrix> {
  const out = await runOurs(["rtt", "-matrix", "-format=json", `-rpc-addr=${rpcAddr}`]);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

/** Checks shape, diagonal, symmetry and loopback-sized values. */
function assertLoopbackMatrix(m: RttMatrix, names: string[]): void {
  assert.deepEqual(m.nodes, names);
  assert.equal(m.rtt_ms.length, names.length);
  m.rtt_ms.forEach((row, i) => {
    assert.equal(row.length, names.length);
    row.forEach((v, j) => {
      if (i === j) return assert.equal(v, 0);
      assert.ok(v !== null && v > 0 && v < 50, `rtt ${names[i]} -> ${names[j]} = ${v}`);
      assert.equal(v, m.rtt_ms[j]![i], "one coordinate per node makes the table symmetric");
    });
  });
}

async function everyCoordinateKnown(rpcAddr: string, n: number): Promise<boolean> {
  const m = await matrixJson(rpcAddr);
  return m.nodes.length === n && m.rtt_ms.every((row) => row.every((v) => v !== null));
}

/** Columns line up: every cell starts where its header does (cells are apart by two or more spaces). */
function assertAligned(lines: string[]): void {
  const starts = (line: string) => [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
  for (const line of lines.slice(1)) assert.deepEqual(starts(line), starts(lines[0]!), lines.join("\n"));
}

Deno.test("serfts rtt -matrix prints every pair of alive serfts members as text and JSON", async () => {
  const nodes = [await rpcAgent("m-a"), await rpcAgent("m-b"), await rpcAgent("m-c")];
  try {
    for (const n of nodes.slice(1)) await nodes[0]!.agent.join([n.gossip], false);
    const rpcAddr = nodes[0]!.rpcAddr;
    assert.ok(await waitUntil(() => everyCoordinateKnown(rpcAddr, 3), 20_000));
    assertLoopbackMatrix(await matrixJson(rpcAddr), ["m-a", "m-b", "m-c"]);

    const text = await runOurs(["rtt", "-matrix", `-rpc-addr=${rpcAddr}`]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^rtt ms {2}m-a {4}m-b {4}m-c$/);
    for (const [i, name] of ["m-a", "m-b", "m-c"].entries()) {
      const cells = lines[i + 1]!.split(/\s+/);
      assert.equal(cells[0], name);
      assert.equal(cells[i + 1], "-");
      for (const [j, c] of cells.slice(1).entries()) if (j !== i) assert.match(c, /^\d+\.\d{3}$/);
    }
    assertAligned(lines);

    const withNode = await runOurs(["rtt", "-matrix", `-rpc-addr=${rpcAddr}`, "m-b"]);
    assert.equal(withNode.code, 1);
    assert.match(withNode.stdout + withNode.stderr, /-matrix takes no node names/);
    const badFormat = await runOurs(["rtt", "-matrix", "-format=xml", `-rpc-addr=${rpcAddr}`]);
    assert.equal(badFormat.code, 1);
    assert.match(badFormat.stdout + badFormat.stderr, /Invalid output format "xml"/);
  } finally {
    for (const n of nodes) await n.close();
  }
});

Deno.test({
  name: "serfts rtt -matrix works against a real serf agent and agrees with serf rtt",
  ignore: !serfBin,
  async fn() {
    const serf = await startSerf(serfBin!, "m-serf", ["-profile=local"]);
    const ts = await rpcAgent("m-ts");
    try {
      await ts.agent.join([serf.bind], false);
      assert.ok(await waitUntil(() => everyCoordinateKnown(serf.rpc, 2), 20_000), serf.log());
      assert.ok(await waitUntil(() => everyCoordinateKnown(ts.rpcAddr, 2), 20_000));
      const fromSerf = await matrixJson(serf.rpc);
      assertLoopbackMatrix(fromSerf, ["m-serf", "m-ts"]);
      assertLoopbackMatrix(await matrixJson(ts.rpcAddr), ["m-serf", "m-ts"]);

      // serf's own estimate for the pair, moments later: Vivaldi moves a little between the two reads.
      const real = await serf.cli(["rtt", "m-serf", "m-ts"]);
      assert.equal(real.code, 0, real.stderr);
      const printed = Number(/rtt: ([\d.]+) ms/.exec(real.stdout)?.[1]);
      const ours = fromSerf.rtt_ms[0]![1]!;
      assert.ok(
        Math.abs(printed - ours) <= Math.max(0.5, printed / 2),
        `serf ${printed} ms, matrix ${ours} ms`,
      );

      const text = await runOurs(["rtt", "-matrix", `-rpc-addr=${serf.rpc}`]);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.trimEnd().split("\n");
      assert.match(lines[0]!, /^rtt ms {2}m-serf {2}m-ts$/);
      assert.match(lines[1]!, /^m-serf {2}- +\d+\.\d{3}$/);
      assert.match(lines[2]!, /^m-ts +\d+\.\d{3} {2,}-$/);
      assertAligned(lines);
    } finally {
      await ts.close();
      await serf.stop();
    }
  },
});
