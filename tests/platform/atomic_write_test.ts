import assert from "node:assert/strict";
import { replaceFileSync } from "../../lib/platform/atomic_write.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "serfts-atomic-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("replaceFileSync never rewrites the old file in place: a reader of it still sees the old contents", () =>
  withDir((dir) => {
    const path = `${dir}/keys.json`;
    replaceFileSync(path, bytes('["old"]'), 0o600);
    const before = Deno.statSync(path).ino;
    const old = Deno.openSync(path, { read: true });
    try {
      replaceFileSync(path, bytes('["new", "longer"]'), 0o600);
      const seen = new Uint8Array(64);
      const n = old.readSync(seen) ?? 0;
      assert.equal(
        new TextDecoder().decode(seen.subarray(0, n)),
        '["old"]',
        "the old inode was not truncated",
      );
    } finally {
      old.close();
    }
    assert.notEqual(Deno.statSync(path).ino, before, "a new file was renamed over the old one");
    assert.equal(Deno.readTextFileSync(path), '["new", "longer"]');
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["keys.json"],
      "no temporary file remains",
    );
  }));

Deno.test("replaceFileSync gives a new file its mode and keeps an existing file's permissions, as Serf does", () =>
  withDir((dir) => {
    const path = `${dir}/tags.json`;
    replaceFileSync(path, bytes("{}"), 0o600);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
    Deno.chmodSync(path, 0o640);
    replaceFileSync(path, bytes('{"a": "b"}'), 0o600);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o640);
  }));

Deno.test("replaceFileSync overwrites a temporary file a crash left behind, whatever its mode", () =>
  withDir((dir) => {
    const path = `${dir}/keys.json`;
    Deno.writeTextFileSync(`${path}.tmp`, "torn garbage that is longer than the new contents", {
      mode: 0o666,
    });
    Deno.chmodSync(`${path}.tmp`, 0o666);
    replaceFileSync(path, bytes("[]"), 0o600);
    assert.equal(Deno.readTextFileSync(path), "[]");
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600, "the leftover's mode is not inherited");
  }));

Deno.test("replaceFileSync follows a symbolic link and replaces its target", () =>
  withDir((dir) => {
    Deno.mkdirSync(`${dir}/real`);
    Deno.writeTextFileSync(`${dir}/real/tags.json`, "{}");
    Deno.symlinkSync(`${dir}/real/tags.json`, `${dir}/link.json`);
    replaceFileSync(`${dir}/link.json`, bytes('{"x": "y"}'), 0o600);
    assert.ok(Deno.lstatSync(`${dir}/link.json`).isSymlink, "the link stays a link");
    assert.equal(Deno.readTextFileSync(`${dir}/real/tags.json`), '{"x": "y"}');
  }));

Deno.test("replaceFileSync fails without touching the target when the temporary file cannot be written", () =>
  withDir((dir) => {
    const path = `${dir}/keys.json`;
    replaceFileSync(path, bytes('["kept"]'), 0o600);
    Deno.mkdirSync(`${path}.tmp`); // a directory where the temporary file must go: open fails
    assert.throws(() => replaceFileSync(path, bytes("[]"), 0o600), /EISDIR|directory/i);
    assert.equal(Deno.readTextFileSync(path), '["kept"]');
  }));
