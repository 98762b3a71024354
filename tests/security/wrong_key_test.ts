/**
 * Security: in an encrypted cluster, packets and streams without the key or
 * with a wrong one are dropped, counted (memberlist's `droppedBadInput`) and
 * logged (rate-limited, with a count of the lines suppressed), and a node
 * without the right key cannot join.
 */
import assert from "node:assert/strict";
import { encryptPayload } from "../../lib/memberlist/security.ts";
import { serfCoreOf } from "../../lib/serf/serf.ts";
import { startInProcess } from "../interop/_serfts.ts";

const KEY = new Uint8Array(16).fill(1);
const WRONG = new Uint8Array(16).fill(2);

function droppedBy(node: { serf: Parameters<typeof serfCoreOf>[0] }): number {
  return serfCoreOf(node.serf).memberlist.stats.droppedBadInput;
}

Deno.test("Encrypted node drops and counts packets with a wrong key or none, and refuses such joiners", async () => {
  const guarded = await startInProcess("guarded", { key: KEY });
  const wrong = await startInProcess("wrong-key", { key: WRONG });
  const plain = await startInProcess("no-key");
  const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const [host, port] = guarded.bind.split(":");
    const target: Deno.NetAddr = { transport: "udp", hostname: host!, port: Number(port) };
    const before = droppedBy(guarded);
    const SPRAY = 200;
    for (let i = 0; i < SPRAY; i++) {
      const body = crypto.getRandomValues(new Uint8Array(40));
      await udp.send(i % 2 === 0 ? encryptPayload(1, WRONG, body) : body, target);
    }
    const counted = async () => {
      for (let i = 0; i < 100 && droppedBy(guarded) - before < SPRAY; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return droppedBy(guarded) - before;
    };
    assert.equal(await counted(), SPRAY, "every sprayed packet was dropped and counted");
    const decryptLines = guarded.logs.filter((l) => l.includes("Decrypt packet failed"));
    assert.ok(decryptLines.length >= 1 && decryptLines.length < SPRAY, "logged, but rate-limited");

    await assert.rejects(wrong.serf.join([guarded.bind], false));
    await assert.rejects(plain.serf.join([guarded.bind], false));
    assert.ok(droppedBy(guarded) - before > SPRAY, "the joiners' packets and streams were counted too");
    assert.deepEqual(guarded.serf.allMembers().map((m) => m.name), ["guarded"]);
    assert.ok(guarded.logs.some((l) => /Failed to handle stream|Decrypt/.test(l) && l.includes("from=")));
  } finally {
    udp.close();
    await Promise.all([guarded.stop(), wrong.stop(), plain.stop()]);
  }
});
