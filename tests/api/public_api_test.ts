/**
 * The public API as `deno doc` sees it: everything mod.ts exports is documented
 * with a runnable example, every public class member is documented, and the
 * two faces (Memberlist, Serf) expose exactly the members they mean to, so
 * engine state cannot leak back into the API unnoticed.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const MOD_URL = new URL("mod.ts", ROOT).href;

interface JsDoc {
  doc?: string;
  tags?: { kind: string; doc?: string }[];
}
interface Member {
  name: string;
  kind?: string;
  isStatic?: boolean;
  accessibility?: "public" | "protected" | "private";
  jsDoc?: JsDoc;
}
interface Declaration {
  kind: string;
  jsDoc?: JsDoc;
  def?: { methods?: Member[]; properties?: Member[]; constructors?: Member[] };
}
interface DocSymbol {
  name: string;
  declarations: Declaration[];
}

/** Symbols whose only example may be `ignore`d, with the reason. */
const IGNORED_EXAMPLE_ALLOWED: Record<string, string> = {
  listenTransport: "its whole job is binding real UDP and TCP sockets",
};

/** The members each face exposes (`static ` marks static ones). Change deliberately, with the API. */
const EXPOSED: Record<string, string[]> = {
  Memberlist: [
    "static create",
    "[Symbol.asyncDispose]",
    "advertiseAddress",
    "allNodes",
    "encryptionEnabled",
    "healthScore",
    "join",
    "leave",
    "localNode",
    "members",
    "name",
    "numMembers",
    "protocolVersion",
    "queuedBroadcasts",
    "sendBestEffort",
    "sendReliable",
    "sendToAddress",
    "shutdown",
    "stats",
    "updateNode",
    "wakeGossip",
  ],
  Serf: [
    "static create",
    "[Symbol.asyncDispose]",
    "allMembers",
    "coordinateResets",
    "defaultQueryTimeoutMs",
    "encryptionEnabled",
    "eventQueueHandle",
    "events",
    "forceLeave",
    "getCachedCoordinate",
    "getCoordinate",
    "join",
    "keyOperation",
    "leave",
    "localMember",
    "memberlist",
    "numMembers",
    "protocolVersion",
    "query",
    "queueDepths",
    "setTags",
    "shutdown",
    "state",
    "stats",
    "statsMap",
    "userEvent",
  ],
};

/** Engine internals that must never be reachable on the faces again, under any accessibility. */
const NEVER_EXPOSED = [
  "nodes",
  "acks",
  "suspicions",
  "handle",
  "emit",
  "pendingQueries",
  "eventMinTime",
  "queryMinTime",
  "engine",
  "core",
];

let cached: DocSymbol[] | undefined;

/** The symbols `deno doc --json mod.ts` reports for mod.ts. */
async function modSymbols(): Promise<DocSymbol[]> {
  if (cached) return cached;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno doc failed: ${stderr}`);
  const json = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols?: DocSymbol[] }>;
  };
  const symbols = json.nodes[MOD_URL]?.symbols;
  assert.ok(symbols, `deno doc output has no node for ${MOD_URL}`);
  // Guards against a silently empty result (a changed JSON shape would make every check vacuous).
  assert.ok(symbols.length >= 60, `expected mod.ts to export at least 60 symbols, got ${symbols.length}`);
  cached = symbols;
  return symbols;
}

function members(decl: Declaration): Member[] {
  return [...(decl.def?.methods ?? []), ...(decl.def?.properties ?? [])];
}

function hasDoc(jsDoc: JsDoc | undefined): boolean {
  return (jsDoc?.doc ?? "").trim() !== "";
}

function memberKey(m: Member): string {
  return m.isStatic ? `static ${m.name}` : m.name;
}

Deno.test("mod.ts exports only symbols with a doc comment and a runnable @example", async () => {
  const undocumented: string[] = [];
  const withoutExample: string[] = [];
  const onlyIgnored: string[] = [];
  for (const symbol of await modSymbols()) {
    for (const decl of symbol.declarations) {
      if (!hasDoc(decl.jsDoc)) undocumented.push(symbol.name);
      const examples = (decl.jsDoc?.tags ?? []).filter((t) => t.kind === "example");
      if (examples.length === 0) withoutExample.push(symbol.name);
      const runnable = examples.some((t) => /^```(ts|typescript)\s*$/m.test(t.doc ?? ""));
      if (examples.length > 0 && !runnable && !(symbol.name in IGNORED_EXAMPLE_ALLOWED)) {
        onlyIgnored.push(symbol.name);
      }
    }
  }
  assert.deepEqual(undocumented, [], `exported without a doc comment: ${undocumented.join(", ")}`);
  assert.deepEqual(withoutExample, [], `exported without an @example: ${withoutExample.join(", ")}`);
  assert.deepEqual(onlyIgnored, [], `exported with only ignored examples: ${onlyIgnored.join(", ")}`);
});

Deno.test("every public member and constructor of an exported class has a doc comment", async () => {
  const undocumented: string[] = [];
  let classes = 0;
  for (const symbol of await modSymbols()) {
    for (const decl of symbol.declarations) {
      if (decl.kind !== "class") continue;
      classes++;
      for (const m of members(decl)) {
        if (m.accessibility === "private") continue;
        if (!hasDoc(m.jsDoc)) undocumented.push(`${symbol.name}.${memberKey(m)}`);
      }
      for (const c of decl.def?.constructors ?? []) {
        if (c.accessibility === "private") continue;
        if (!hasDoc(c.jsDoc)) undocumented.push(`${symbol.name} constructor`);
      }
    }
  }
  assert.ok(classes >= 10, `expected at least 10 exported classes, got ${classes}`);
  assert.deepEqual(undocumented, [], `public members without a doc comment: ${undocumented.join(", ")}`);
});

for (const [name, allowed] of Object.entries(EXPOSED)) {
  Deno.test(`${name} exposes exactly its allowlisted members and no engine internals`, async () => {
    const symbol = (await modSymbols()).find((s) => s.name === name);
    assert.ok(symbol, `mod.ts no longer exports ${name}`);
    const decl = symbol.declarations.find((d) => d.kind === "class");
    assert.ok(decl, `${name} is no longer a class`);
    const all = members(decl);
    const leaked = all.filter((m) => NEVER_EXPOSED.includes(m.name)).map(memberKey);
    assert.deepEqual(leaked, [], `${name} exposes engine internals: ${leaked.join(", ")}`);
    const exposed = [...new Set(all.filter((m) => m.accessibility !== "private").map(memberKey))].sort();
    assert.deepEqual(exposed, [...allowed].sort());
    const constructors = decl.def?.constructors ?? [];
    assert.ok(
      constructors.every((c) => c.accessibility === "private"),
      `${name} must be built with ${name}.create, not a public constructor`,
    );
  });
}
