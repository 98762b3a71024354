/**
 * `deno task build` produces one self-contained `dist/serfts`; three agents
 * started from it, with neither Deno nor Bun on PATH, form a cluster that the
 * binary's own CLI reports.
 */
import assert from "node:assert/strict";
import { buildBinary } from "../_binary.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { startAgentProcess } from "../interop/_serfts.ts";

const root = new URL("../..", import.meta.url).pathname;
const binary = `${root}dist/serfts`;
const bareEnv = { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" };

Deno.test({
  name: "Build: dist/serfts runs a 3-node cluster with no Deno or Bun on PATH",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const buildLog = await buildBinary(); // always: this test is about the build script
    assert.match(buildLog, /Built .*dist\/serfts with (deno compile|bun build --compile)/);

    const binds = [freePort(), freePort(), freePort()].map((p) => `127.0.0.1:${p}`);
    const agents = binds.map((bind, i) =>
      startAgentProcess(
        [
          `-node=bin-${i}`,
          `-bind=${bind}`,
          ...(i > 0 ? [`-retry-join=${binds[0]}`, "-retry-interval=1s"] : []),
        ],
        binary,
        bareEnv,
      )
    );
    try {
      const members = async () => {
        const r = await new Deno.Command(binary, {
          args: ["members", `-rpc-addr=${agents[0]!.rpcAddr}`, "-status=alive"],
          env: bareEnv,
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).output();
        return new TextDecoder().decode(r.stdout);
      };
      const ok = await waitFor(async () => (await members()).trim().split("\n").length === 3, 30_000);
      assert.ok(ok, `cluster did not form: ${await members()}\n${agents.map((a) => a.output()).join("\n")}`);

      // The binary's runtime (Bun) words socket errors as Go does (go_net_error.ts), in the agent and the CLI.
      const run = async (args: string[]) => {
        const r = await new Deno.Command(binary, { args, env: bareEnv, clearEnv: true, stdout: "piped" })
          .output();
        return { code: r.code, stdout: new TextDecoder().decode(r.stdout) };
      };
      assert.deepEqual(
        await run(["join", `-rpc-addr=${agents[0]!.rpcAddr}`, "127.0.0.1:1", agents[1]!.rpcAddr]),
        {
          code: 1,
          stdout: "Error joining the cluster: 2 errors occurred:\n" +
            "\t* Failed to join 127.0.0.1: dial tcp 127.0.0.1:1: connect: connection refused\n" +
            "\t* Failed to join 127.0.0.1: EOF\n\n\n",
        },
      );
      const taken = await run(["agent", `-bind=${binds[0]}`, `-rpc-addr=127.0.0.1:${freePort()}`]);
      assert.equal(taken.code, 1);
      const [host, port] = binds[0]!.split(":");
      const failure =
        "==> Failed to start the Serf agent: Error creating Serf: Failed to create memberlist: " +
        "Could not set up network transport: failed to obtain an address: " +
        `Failed to start TCP listener on "${host}" port ${port}: listen tcp ${
          binds[0]
        }: bind: address already in use\n`;
      assert.ok(taken.stdout.includes(failure), taken.stdout);
      assert.deepEqual(await run(["members", "-rpc-addr=127.0.0.1:1"]), {
        code: 1,
        stdout: "Error connecting to Serf agent: dial tcp 127.0.0.1:1: connect: connection refused\n",
      });
    } finally {
      for (const a of agents) await a.stop("SIGKILL");
    }
  },
});
