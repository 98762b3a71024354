/**
 * Wire compatibility of the gossip layer with a real Serf agent (memberlist
 * 0.2.2 inside): a serfts memberlist node and `serf agent` on loopback share
 * a cluster, joined in both directions, plain and encrypted.
 */
import assert from "node:assert/strict";
import { defaultLocalConfig } from "../../lib/memberlist/config.ts";
import { Keyring } from "../../lib/memberlist/keyring.ts";
import { Memberlist } from "../../lib/memberlist/memberlist.ts";
import { NodeState } from "../../lib/memberlist/messages.ts";
import { DenoTransport } from "../../lib/transport/deno.ts";
import { Logger } from "../../lib/util/log.ts";
import { findSerf, startSerf, waitFor } from "./_serf.ts";

const serf = findSerf();
if (!serf) {
  console.warn("memberlist_serf_test: SKIPPED: the serf binary is not installed (apt-get install serf)");
}

const KEY_B64 = "HvY8ubRZMgafUOWvrOadwOckVa1wN3QWAo46FVKbVN8=";

async function startNode(name: string, encrypted: boolean, logs: string[]): Promise<Memberlist> {
  const logger = new Logger({ sink: (l) => logs.push(l), level: "DEBUG" });
  const transport = await DenoTransport.listen({ host: "127.0.0.1", port: 0, logger });
  const key = Uint8Array.from(atob(KEY_B64), (c) => c.charCodeAt(0));
  return Memberlist.create({
    ...defaultLocalConfig(),
    name,
    bindAddr: "127.0.0.1",
    bindPort: transport.localAddress.port,
    // Serf checks the delegate protocol range during push/pull: speak Serf's.
    delegateProtocolMin: 2,
    delegateProtocolMax: 5,
    delegateProtocolVersion: 4,
    keyring: encrypted ? new Keyring([key], key) : undefined,
    transport,
    logger,
  });
}

for (const encrypted of [false, true]) {
  Deno.test({
    name: `Interop: serfts memberlist and a real serf agent form one cluster (encrypted=${encrypted})`,
    ignore: !serf,
    async fn() {
      const logs: string[] = [];
      const agent = await startSerf(serf!, "serf-a", encrypted ? [`-encrypt=${KEY_B64}`] : []);
      const a = await startNode("ts-a", encrypted, logs);
      const b = await startNode("ts-b", encrypted, logs);
      try {
        // serfts joins serf ...
        assert.equal(await a.join([agent.bind]), 1);
        // ... and serf joins serfts.
        const j = await agent.cli(["join", `127.0.0.1:${b.advertiseAddress.port}`]);
        assert.equal(j.code, 0, j.stdout + j.stderr);

        const allAlive = await waitFor(async () => {
          const ms = await agent.members();
          return ["serf-a", "ts-a", "ts-b"].every((n) =>
            ms.some((m) => m.name === n && m.status === "alive")
          ) &&
            a.numMembers() === 3 && b.numMembers() === 3;
        }, 15_000);
        assert.ok(allAlive, `cluster did not form: ${JSON.stringify(await agent.members())}\n${agent.log()}`);

        // A serfts node that stops answering is detected as failed by serf.
        await b.shutdown();
        const failed = await waitFor(
          async () => (await agent.members()).some((m) => m.name === "ts-b" && m.status === "failed"),
          20_000,
        );
        assert.ok(failed, `serf did not mark ts-b failed:\n${agent.log().slice(-3000)}`);

        // A serf agent that dies is detected as dead by serfts. With no third
        // live node to confirm, Lifeguard waits out the full suspicion timeout
        // (suspicionMaxTimeoutMult * the minimum: 18 s on the local profile).
        await agent.stop();
        const dead = await waitFor(
          () => a.allNodes().some((n) => n.name === "serf-a" && n.state === NodeState.dead),
          45_000,
        );
        assert.ok(dead, `ts-a did not mark serf-a dead:\n${logs.join("\n")}`);
      } finally {
        await Promise.all([a.shutdown(), b.shutdown()]);
        await agent.stop();
      }
    },
  });
}
