/** MultiError's text is go-multierror's list format, which Serf's join errors use and clients compare. */
import assert from "node:assert/strict";
import { formatMultiError, MultiError } from "../../lib/util/multi_error.ts";

Deno.test("formatMultiError: singular head for one error, count and tab bullets for several, two newlines", () => {
  assert.equal(formatMultiError(["a"]), "1 error occurred:\n\t* a\n\n");
  assert.equal(formatMultiError(["a", "b", "c"]), "3 errors occurred:\n\t* a\n\t* b\n\t* c\n\n");
});

Deno.test("MultiError keeps its parts and names its class", () => {
  const cause = new Error("last");
  const err = new MultiError(["x", "y"], { cause });
  assert.deepEqual(err.errors, ["x", "y"]);
  assert.equal(err.name, "MultiError");
  assert.equal(err.message, "2 errors occurred:\n\t* x\n\t* y\n\n");
  assert.equal(err.cause, cause);
});
