import assert from "node:assert/strict";
import { FlagError, parseFlags } from "../../lib/cli/flags.ts";

const specs = {
  node: { kind: "string" as const, usage: "node name", default: "host" },
  tag: { kind: "list" as const, usage: "tag" },
  replay: { kind: "bool" as const, usage: "replay" },
  "retry-max": { kind: "int" as const, usage: "max", default: 0 },
};

Deno.test("parseFlags accepts Go's -x=v, -x v and --x=v forms and repeats", () => {
  const p = parseFlags(
    ["-node=a", "--tag", "role=web", "-tag=dc=east", "-replay", "--retry-max=3", "rest"],
    specs,
  );
  assert.equal(p.values.node, "a");
  assert.deepEqual(p.values.tag, ["role=web", "dc=east"]);
  assert.equal(p.values.replay, true);
  assert.equal(p.values["retry-max"], 3);
  assert.deepEqual(p.args, ["rest"]);
  assert.ok(p.given.has("node") && !p.given.has("nothing"));
});

Deno.test("parseFlags keeps defaults, stops at non-flags and --", () => {
  const p = parseFlags(["-replay=false", "--", "-node=x"], specs);
  assert.equal(p.values.node, "host");
  assert.equal(p.values.replay, false);
  assert.deepEqual(p.args, ["-node=x"]);
});

Deno.test("parseFlags rejects unknown flags, missing values and bad numbers", () => {
  assert.throws(() => parseFlags(["-nope"], specs), FlagError);
  assert.throws(() => parseFlags(["-node"], specs), /needs an argument/);
  assert.throws(() => parseFlags(["-retry-max=x"], specs), /invalid value/);
  assert.throws(() => parseFlags(["-replay=maybe"], specs), /invalid boolean/);
});

Deno.test("CLI command table: each lazily loaded command has the synopsis the usage lists", async () => {
  const { COMMANDS } = await import("../../lib/cli/main.ts");
  for (const [name, entry] of Object.entries(COMMANDS)) {
    assert.equal((await entry.load()).synopsis, entry.synopsis, name);
  }
});
