import assert from "node:assert/strict";
import { encodeKeyBase64 } from "../../lib/memberlist/keyring.ts";
import { KEYRING_FILE_MODE, loadKeyringFile, saveKeyringFile } from "../../lib/serf/keyring_file.ts";
import { MemorySnapshotFs, nodeSnapshotFs } from "../../lib/serf/snapshot_fs.ts";
import { findSerf, startSerf, waitFor } from "../interop/_serf.ts";

const k1 = new Uint8Array(16).fill(1);
const k2 = new Uint8Array(32).fill(2);
const k3 = new Uint8Array(24).fill(3);

Deno.test("saveKeyringFile writes Go's indented JSON with mode 0600, primary first", () => {
  const fs = new MemorySnapshotFs();
  saveKeyringFile("/k.json", [k1, k2], { fs });
  assert.equal(fs.text("/k.json"), `[\n  "${encodeKeyBase64(k1)}",\n  "${encodeKeyBase64(k2)}"\n]`);
  assert.equal(fs.mode("/k.json"), KEYRING_FILE_MODE);
  assert.equal(fs.syncs("/k.json"), 1);
  saveKeyringFile("/k.json", [], { fs });
  assert.equal(fs.text("/k.json"), "[]", "replaced, as json.MarshalIndent writes an empty list");
});

Deno.test("loadKeyringFile restores the keyring with the first key as primary", () => {
  const fs = new MemorySnapshotFs();
  saveKeyringFile("/k.json", [k3, k1, k2, k1], { fs });
  const ring = loadKeyringFile("/k.json", { fs });
  assert.deepEqual(ring.getPrimaryKey(), k3);
  assert.deepEqual(ring.getKeys(), [k3, k1, k2], "duplicates are installed once");
  saveKeyringFile("/copy.json", ring, { fs });
  saveKeyringFile("/list.json", [k3, k1, k2], { fs });
  assert.equal(fs.text("/copy.json"), fs.text("/list.json"), "a Keyring is accepted");
  fs.writeText("/wrapped.json", `["${encodeKeyBase64(k1).slice(0, 10)}\\n${encodeKeyBase64(k1).slice(10)}"]`);
  assert.deepEqual(
    loadKeyringFile("/wrapped.json", { fs }).getKeys(),
    [k1],
    "line breaks inside base64 are skipped",
  );
});

Deno.test("loadKeyringFile reports bad files with Serf's messages", () => {
  const fs = new MemorySnapshotFs();
  const cases: [string, RegExp][] = [
    [
      "not json",
      /^Error: Failed to decode keyring file: invalid character 'o' in literal null \(expecting 'u'\)$/,
    ],
    ["[", /^Error: Failed to decode keyring file: unexpected end of JSON input$/],
    [
      '{"keys": []}',
      /^Error: Failed to decode keyring file: json: cannot unmarshal object into Go value of type \[\]string$/,
    ],
    [
      "[1]",
      /^Error: Failed to decode keyring file: json: cannot unmarshal number into Go value of type string$/,
    ],
    ["[]", /^Error: Keyring file contains no keys$/],
    ["null", /^Error: Keyring file contains no keys$/],
    ['["not*base64"]', /^Error: Failed to decode key from keyring: illegal base64 data at input byte 3$/],
    ['["AAAA"]', /^Error: Failed to restore keyring: key size must be 16, 24 or 32 bytes$/],
    ['[""]', /^Error: Failed to restore keyring: Empty primary key not allowed$/],
  ];
  for (const [text, message] of cases) {
    fs.writeText("/bad.json", text);
    assert.throws(() => loadKeyringFile("/bad.json", { fs }), message, text);
  }
  assert.throws(
    () => loadKeyringFile("/missing.json", { fs }),
    /^Error: stat \/missing.json: no such file or directory$/,
  );
  const file = fs.openTruncate("/latin1.json", 0o600);
  file.write(new Uint8Array([0x5b, 0xff, 0x5d])); // a stray non-UTF-8 byte: not JSON for Go either
  file.close();
  assert.throws(() => loadKeyringFile("/latin1.json", { fs }), /^Error: Failed to decode keyring file/);
});

Deno.test("keyring files live on the real file system with mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fs = nodeSnapshotFs();
    saveKeyringFile(`${dir}/keys.json`, [k2, k1], { fs });
    assert.equal((await Deno.stat(`${dir}/keys.json`)).mode! & 0o777, 0o600);
    assert.deepEqual(loadKeyringFile(`${dir}/keys.json`, { fs }).getKeys(), [k2, k1]);
    assert.throws(
      () => saveKeyringFile(`${dir}/no/such/dir/keys.json`, [k1]),
      /^Error: Failed to write keyring file: /,
      "the default fs is the real one",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const serf = findSerf();
if (!serf) console.warn("SKIPPED keyring file interop test: /usr/bin/serf is not installed");

Deno.test({
  name: "serf agent loads a keyring file serfts wrote, and serfts loads what it writes back",
  ignore: !serf,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/keys.json`;
    try {
      const fs = nodeSnapshotFs();
      saveKeyringFile(path, [k1], { fs });
      const agent = await startSerf(serf!, "keyed", [`-keyring-file=${path}`]);
      try {
        const list = await agent.cli(["keys", "-list"]);
        assert.ok(list.stdout.includes(encodeKeyBase64(k1)), list.stdout + list.stderr);
        assert.equal((await agent.cli(["keys", "-install", encodeKeyBase64(k2)])).code, 0);
        assert.ok(
          await waitFor(async () => (await Deno.readTextFile(path)).includes(encodeKeyBase64(k2)), 5_000),
        );
      } finally {
        await agent.stop();
      }
      const ring = loadKeyringFile(path, { fs });
      assert.deepEqual(ring.getPrimaryKey(), k1);
      assert.deepEqual(new Set(ring.getKeys().map(encodeKeyBase64)), new Set([k1, k2].map(encodeKeyBase64)));
      // Byte for byte what Serf wrote, given the same key order.
      const goText = await Deno.readTextFile(path);
      const scratch = new MemorySnapshotFs();
      saveKeyringFile("/k", ring.getKeys(), { fs: scratch });
      assert.equal(scratch.text("/k"), goText);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
