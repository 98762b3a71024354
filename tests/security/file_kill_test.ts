/**
 * Security: the keyring and tags files survive a SIGKILL at any moment. A real
 * agent rewrites both as fast as RPC lets it (tag updates, key install / use /
 * remove) and is killed mid-stream, again and again; after every kill both
 * files parse, hold a state the agent was actually given, are still 0600 (as
 * is the snapshot), and the next start restores them (a torn file would stop
 * that start).
 */
import assert from "node:assert/strict";
import { encodeKeyBase64 } from "../../lib/memberlist/keyring.ts";
import type { RpcClient } from "../../lib/rpc/client.ts";
import { loadKeyringFile, saveKeyringFile } from "../../lib/serf/keyring_file.ts";
import { freePort } from "../interop/_serf.ts";
import { type AgentProcess, connectWhenReady, startAgentProcess } from "../interop/_serfts.ts";

/** Kill rounds; each restarts the agent on the files the previous round left. */
const ROUNDS = 4;

function randomKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

/** A tag set as the file holds it: keys sorted. */
function canonical(tags: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a < b ? -1 : 1)));
}

/** Rewrites the tags file until the client fails (the agent was killed); records every tag set sent. */
async function churnTags(client: RpcClient, round: number, sent: Set<string>): Promise<void> {
  for (let i = 0;; i++) {
    const tags = { round: String(round), i: String(i), pad: "x".repeat(i % 200) };
    sent.add(canonical(tags));
    try {
      await client.updateTags(tags, []);
    } catch {
      return;
    }
  }
}

/** Rotates the primary key until the client fails; records every key installed. */
async function churnKeys(
  client: RpcClient,
  sent: Set<string>,
  current: { key: string; rotations: number },
): Promise<void> {
  for (;;) {
    const next = encodeKeyBase64(randomKey());
    sent.add(next);
    try {
      await client.installKey(next);
      await client.useKey(next);
      await client.removeKey(current.key);
      current.key = next;
      current.rotations++;
    } catch {
      return;
    }
  }
}

Deno.test({
  name: "Keyring and tags files: SIGKILL during rewrites leaves a whole old or new file, mode 0600",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-kill-files-" });
    const tagsPath = `${dir}/tags.json`;
    const keyringPath = `${dir}/keyring.json`;
    const snapshotPath = `${dir}/snapshot`;
    const first = encodeKeyBase64(randomKey());
    saveKeyringFile(keyringPath, [Uint8Array.from(atob(first), (c) => c.charCodeAt(0))]);
    const sentTags = new Set<string>();
    const sentKeys = new Set<string>([first]);
    const current = { key: first, rotations: 0 };
    const args = [
      "-node=kill-files",
      `-bind=127.0.0.1:${freePort()}`,
      `-tags-file=${tagsPath}`,
      `-keyring-file=${keyringPath}`,
      `-snapshot=${snapshotPath}`,
    ];
    let agent: AgentProcess | undefined;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        agent = startAgentProcess(args);
        const tagClient = await connectWhenReady(agent, 2_000);
        const keyClient = await connectWhenReady(agent, 2_000);
        const restoredKeys = loadKeyringFile(keyringPath).getKeys().map(encodeKeyBase64);
        // The previous round may have died after installing a key but before removing the old one.
        current.key = restoredKeys[0]!;
        // One whole write first, so the file exists before the first kill.
        const start = { round: String(round), i: "start" };
        sentTags.add(canonical(start));
        await tagClient.updateTags(start, []);
        const churn = Promise.all([
          churnTags(tagClient, round, sentTags),
          churnKeys(keyClient, sentKeys, current),
        ]);
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
        await agent.stop("SIGKILL");
        tagClient.close();
        keyClient.close();
        await churn;

        const tagsText = await Deno.readTextFile(tagsPath);
        const tags = JSON.parse(tagsText) as Record<string, string>;
        assert.ok(
          sentTags.has(canonical(tags)),
          `round ${round}: tags file holds a state never sent: ${tagsText}`,
        );
        const keys = loadKeyringFile(keyringPath).getKeys().map(encodeKeyBase64);
        assert.ok(keys.length >= 1 && keys.every((k) => sentKeys.has(k)), `round ${round}: keyring ${keys}`);
        // The snapshot is an append-only log, compacted through a rename: only its mode is checked here.
        for (const path of [tagsPath, keyringPath, snapshotPath]) {
          assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, `${path} after round ${round}`);
        }
      }
      assert.ok(sentTags.size > ROUNDS, `the agent rewrote the tags file (${sentTags.size} updates sent)`);
      assert.ok(
        current.rotations >= ROUNDS,
        `the agent rewrote the keyring (${current.rotations} rotations)`,
      );
      console.log(`${sentTags.size} tag updates, ${current.rotations} key rotations across ${ROUNDS} kills`);
      // The files the last kill left are good enough to start on.
      agent = startAgentProcess(args);
      const client = await connectWhenReady(agent, 2_000);
      const stats = await client.stats();
      client.close();
      assert.equal(stats.agent?.name, "kill-files");
    } finally {
      await agent?.stop("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});
