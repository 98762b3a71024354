/** goFsError words file failures as Go's *os.PathError, which Serf puts in its errors. */
import assert from "node:assert/strict";
import { goFsError } from "../../lib/util/go_fs_error.ts";

Deno.test("goFsError maps the runtime's POSIX code to Go's text and keeps other messages", () => {
  const enoent = Object.assign(new Error("No such file or directory (os error 2)"), { code: "ENOENT" });
  assert.equal(goFsError("open", "/x/y", enoent), "open /x/y: no such file or directory");
  const eisdir = Object.assign(new Error("EISDIR: illegal operation on a directory, open '/tmp'"), {
    code: "EISDIR",
  });
  assert.equal(goFsError("open", "/tmp", eisdir), "open /tmp: is a directory");
  assert.equal(goFsError("rename", "/a /b", new Error("odd failure")), "odd failure");
});
