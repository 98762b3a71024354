/**
 * scripts/check_imports.ts catches each kind of violation in a synthetic tree,
 * ignores what only looks like one (comments, strings, doc examples), and finds
 * nothing new in lib/.
 */
import assert from "node:assert/strict";
import { checkImports, importSpecifiers, KNOWN_VIOLATIONS } from "../../scripts/check_imports.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "serfts-imports-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return dir;
}

async function violationsOf(files: Record<string, string>): Promise<string[]> {
  const dir = await tree(files);
  try {
    const result = await checkImports(dir, new Set());
    return result.violations.map((v) => `${v.file} ${v.rule} ${v.detail}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const clean: Record<string, string> = {
  "util/a.ts": "export const a = 1;\n",
  "codec/c.ts": 'import { a } from "../util/a.ts";\nexport const c = a;\n',
  "transport/t.ts": 'import type { c } from "../codec/c.ts";\nexport type T = typeof c;\n',
  "transport/deno.ts": "export const conn = Deno.connect;\n",
  "platform/p.ts": 'import { a } from "../util/a.ts";\nexport const p = a;\n',
  "memberlist/m.ts":
    'import "../transport/t.ts";\nimport { p } from "../platform/p.ts";\nexport const m = p;\n',
  "coordinate/k.ts": 'import { a } from "../util/a.ts";\nexport const k = a;\n',
  "serf/s.ts": 'export { k } from "../coordinate/k.ts";\nexport * from "../memberlist/m.ts";\n',
  "rpc/client.ts": 'import { s } from "./shared.ts";\nexport const client = s;\n',
  "rpc/shared.ts": "export const s = 1;\n",
  "rpc/server.ts": 'import { s } from "./shared.ts";\nexport const server = s;\n',
  "agent/ag.ts": 'const rpc = await import("../rpc/server.ts");\nexport { rpc };\n',
  "cli/main.ts": [
    '// Deno.exit() is only named in a comment, and so is import from "../cli/x.ts".',
    "/** @example",
    ' * import { s } from "../../mod.ts";',
    " */",
    'export const text = "Bun.spawn in a string";',
    'import { k } from "../coordinate/k.ts";',
    "export const kk = k;",
  ].join("\n"),
};

Deno.test("checkImports passes a tree that keeps every rule", async () => {
  assert.deepEqual(await violationsOf(clean), []);
});

Deno.test("checkImports reports an import from a lower floor to a higher one", async () => {
  assert.deepEqual(
    await violationsOf({
      ...clean,
      "codec/bad.ts": 'import type { T } from "../transport/t.ts";\nexport type X = T;\n',
    }),
    ["codec/bad.ts direction imports transport/t.ts"],
  );
  assert.deepEqual(
    await violationsOf({ ...clean, "util/bad.ts": 'export { cli } from "../cli/main.ts";\n' }),
    ["util/bad.ts direction imports cli/main.ts"],
  );
});

Deno.test("checkImports keeps transport and platform apart and coordinate on util only", async () => {
  assert.deepEqual(
    await violationsOf({ ...clean, "platform/bad.ts": 'import "../transport/t.ts";\n' }),
    ["platform/bad.ts direction imports transport/t.ts"],
  );
  assert.deepEqual(
    await violationsOf({
      ...clean,
      "coordinate/bad.ts": 'import { c } from "../codec/c.ts";\nexport const x = c;\n',
    }),
    ["coordinate/bad.ts direction imports codec/c.ts"],
  );
  assert.deepEqual(
    await violationsOf({
      ...clean,
      "memberlist/bad.ts": 'import { k } from "../coordinate/k.ts";\nexport const x = k;\n',
    }),
    ["memberlist/bad.ts direction imports coordinate/k.ts"],
  );
});

Deno.test("checkImports reports Deno, Bun and node I/O outside the runtime adapters", async () => {
  assert.deepEqual(
    await violationsOf({
      ...clean,
      "serf/fs.ts": 'import * as fs from "node:fs";\nexport const f = fs;\n',
      "serf/lazy.ts":
        'import { lazyBuiltin } from "../util/a.ts";\nexport const n = lazyBuiltin("node:net");\n',
      "memberlist/net.ts": "export const n: Deno.NetAddr | undefined = undefined;\n",
      "rpc/bun.ts": "export const b = (globalThis as { Bun?: { version: string } }).Bun?.version;\n",
      "transport/bun_x.ts": "export const ok = (globalThis as any).Bun;\n",
    }),
    [
      "memberlist/net.ts runtime touches Deno",
      "rpc/bun.ts runtime touches Bun",
      "serf/fs.ts runtime imports node:fs",
      "serf/lazy.ts runtime imports node:net",
    ],
  );
});

Deno.test("checkImports reports rpc/client.ts reaching the server, even indirectly", async () => {
  assert.deepEqual(
    await violationsOf({
      ...clean,
      "rpc/shared.ts": 'export { server as s } from "./server_core.ts";\n',
      "rpc/server_core.ts": "export const server = 1;\n",
    }),
    ["rpc/client.ts client-server reaches rpc/client.ts -> rpc/shared.ts -> rpc/server_core.ts"],
  );
});

Deno.test("checkImports lists allowlisted violations apart and flags stale entries", async () => {
  const dir = await tree({ ...clean, "codec/bad.ts": 'import "../transport/t.ts";\n' });
  try {
    const result = await checkImports(
      dir,
      new Set(["codec/bad.ts direction imports transport/t.ts", "gone.ts runtime touches Bun"]),
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.allowed.map((v) => v.file), ["codec/bad.ts"]);
    assert.deepEqual(result.stale, ["gone.ts runtime touches Bun"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkImports reports import circles", async () => {
  const dir = await tree({ ...clean, "serf/x.ts": 'import "./y.ts";\n', "serf/y.ts": 'import "./x.ts";\n' });
  try {
    const result = await checkImports(dir, new Set());
    assert.deepEqual(result.cycles, [["serf/x.ts", "serf/y.ts"]]);
    assert.deepEqual(result.violations, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("importSpecifiers finds static, type, re-export, side-effect and dynamic imports, not comments", () => {
  const src = [
    'import a, { b } from "./a.ts";',
    'import type { C } from "./c.ts";',
    'export { d } from "./d.ts";',
    'import "./e.ts";',
    'const f = await import("./f.ts");',
    'import {\n  g,\n  h,\n} from "./g.ts";',
    '// import { x } from "./comment.ts";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(src), ["./a.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts", "./g.ts"]);
});

Deno.test("lib/ keeps every import rule and has no import circle", async () => {
  const result = await checkImports(new URL("../../lib", import.meta.url).pathname);
  assert.deepEqual(result.violations, [], result.violations.map((v) => `${v.file}: ${v.detail}`).join("\n"));
  assert.deepEqual(result.cycles, []);
  assert.equal(KNOWN_VIOLATIONS.size, 0, "nothing is excused any more");
});
