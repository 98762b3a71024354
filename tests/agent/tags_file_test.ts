import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeTags, loadTagsFile, writeTagsFile } from "../../lib/agent/tags_file.ts";
import { denoPlatform } from "../../lib/platform/deno.ts";

const platform = denoPlatform();

Deno.test("encodeTags writes Go's json.MarshalIndent layout", () => {
  assert.equal(encodeTags({}), "{}");
  assert.equal(encodeTags({ role: "web", dc: "east" }), '{\n  "dc": "east",\n  "role": "web"\n}');
  assert.equal(encodeTags({ "a&b": "<x>" }), '{\n  "a\\u0026b": "\\u003cx\\u003e"\n}');
});

Deno.test("writeTagsFile and loadTagsFile round-trip; the file is private", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "tags.json");
    assert.equal(await loadTagsFile(path, platform), undefined);
    await writeTagsFile(path, { role: "web", "weird key": "v=1" }, platform);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await loadTagsFile(path, platform), { role: "web", "weird key": "v=1" });
    await Deno.writeTextFile(path, '{"n": 1}');
    await assert.rejects(loadTagsFile(path, platform), {
      message: "Failed to decode tags file: json: cannot unmarshal number into Go value of type string",
    });
    await Deno.writeTextFile(path, "{");
    await assert.rejects(loadTagsFile(path, platform), /^Error: Failed to decode tags file: /);
    await assert.rejects(writeTagsFile(join(dir, "missing", "t.json"), {}, platform), {
      message: `Failed to write tags file: open ${join(dir, "missing", "t.json")}: no such file or directory`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
