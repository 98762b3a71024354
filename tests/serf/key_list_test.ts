import assert from "node:assert/strict";
import { encodeKeyBase64, Keyring } from "../../lib/memberlist/keyring.ts";
import { SerfCluster } from "./_serf_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function keys(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const k = new Uint8Array(16);
    new DataView(k.buffer).setUint32(0, i + 1);
    return k;
  });
}

const TRUNCATED = /^truncated key list response, showing first (\d+) of (\d+) keys$/;

Deno.test("list-keys truncates a keyring too large for one query response and says so", opts, async () => {
  const ring = keys(100);
  const c = new SerfCluster(31);
  for (const n of ["a", "b"]) {
    await c.add(n, { memberlist: { keyring: new Keyring(ring, ring[0]!) } });
  }
  await c.joinAll();
  assert.ok(await c.converge(2));

  const list = await c.run(c.nodes[0]!.serf.keyOperation("list-keys"));

  assert.equal(list.error, undefined, JSON.stringify(list.response.messages));
  assert.equal(list.response.numResp, 2);
  assert.equal(list.response.numErr, 0);
  const shown: number[] = [];
  for (const node of ["a", "b"]) {
    const m = TRUNCATED.exec(list.response.messages[node] ?? "");
    assert.ok(m, `${node}: ${list.response.messages[node]}`);
    assert.equal(Number(m[2]), 100);
    shown.push(Number(m[1]));
  }
  // Each key is at least 25 encoded bytes, so a 1024-byte response holds at most 40.
  assert.ok(shown.every((n) => n > 0 && n <= 40), String(shown));
  const listed = Object.keys(list.response.keys);
  assert.equal(listed.length, Math.max(...shown));
  // The first keys in keyring order are the ones kept.
  assert.deepEqual(listed.sort(), ring.slice(0, listed.length).map(encodeKeyBase64).sort());
  assert.deepEqual(list.response.primaryKeys, { [encodeKeyBase64(ring[0]!)]: 2 });
  for (const node of c.nodes) {
    assert.ok(node.logs.some((l) => l.includes("[WARN] serf: truncated key list response")), node.name);
  }
  await c.shutdown();
});

Deno.test("list-keys truncates a short keyring when the rest of the response is large", opts, async () => {
  // Fewer keys than the size limit alone would allow (Serf #649's out-of-range case):
  // a long node name makes the response too big even so.
  const ring = keys(6);
  const c = new SerfCluster(32);
  const name = "n".repeat(200);
  const a = await c.add(name, {
    queryResponseSizeLimit: 420,
    memberlist: { keyring: new Keyring(ring, ring[0]!) },
  });

  const list = await c.run(a.serf.keyOperation("list-keys"));

  assert.equal(list.error, undefined, JSON.stringify(list.response.messages));
  const m = TRUNCATED.exec(list.response.messages[name] ?? "");
  assert.ok(m, list.response.messages[name]);
  assert.equal(Number(m[2]), 6);
  assert.ok(Number(m[1]) < 6);
  assert.equal(Object.keys(list.response.keys).length, Number(m[1]));
  await c.shutdown();
});

Deno.test("list-keys answers in full, without a message, when the keyring fits", opts, async () => {
  const ring = keys(3);
  const c = new SerfCluster(33);
  const a = await c.add("a", { memberlist: { keyring: new Keyring(ring, ring[0]!) } });

  const list = await c.run(a.serf.keyOperation("list-keys"));

  assert.equal(list.error, undefined);
  assert.deepEqual(list.response.messages, {});
  assert.equal(Object.keys(list.response.keys).length, 3);
  await c.shutdown();
});
