/**
 * The `@default` on each config field must be what the defaults function
 * returns: operators and embedders read the docs, not the code. Reads the
 * docs through `deno doc --json` and compares every literal default (numbers,
 * strings, booleans, `{}`, `[]`, products such as `24 * 3600000`) with the value;
 * prose defaults ("the host name") are skipped but counted, so the check
 * cannot pass by reading nothing.
 */
import assert from "node:assert/strict";
import { defaultLanConfig } from "../../lib/memberlist/config.ts";
import { defaultSerfConfig } from "../../lib/serf/config.ts";
import { defaultCoordinateConfig } from "../../lib/coordinate/config.ts";
import { defaultAgentConfig } from "../../lib/agent/config.ts";

const ROOT = new URL("../../", import.meta.url);

interface DocProperty {
  name: string;
  jsDoc?: { doc?: string; tags?: { kind: string; value?: string; doc?: string }[] };
}

/** `@default` text of each property of `iface` in `file`. */
async function documentedDefaults(file: string, iface: string): Promise<Map<string, string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", file],
    cwd: ROOT,
    stdout: "piped",
  })
    .output();
  assert.ok(out.success, `deno doc ${file} failed`);
  const json = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols: { name: string; declarations: { kind: string; def: unknown }[] }[] }>;
  };
  const symbols = Object.values(json.nodes).flatMap((n) => n.symbols);
  const decl = symbols.find((s) => s.name === iface)?.declarations.find((d) => d.kind === "interface");
  assert.ok(decl, `${iface} not found in ${file}`);
  const found = new Map<string, string>();
  for (const p of (decl.def as { properties: DocProperty[] }).properties) {
    const tag = p.jsDoc?.tags?.find((t) => t.kind === "default");
    const inline = /@default\s+(.+?)\s*$/s.exec(p.jsDoc?.doc ?? "")?.[1];
    const text = tag?.value ?? tag?.doc ?? inline;
    if (text !== undefined) found.set(p.name, text.trim());
  }
  return found;
}

/** The value a `@default` text states, or undefined for prose. */
function literal(text: string): { value: unknown } | undefined {
  const t = text.replace(/^\{(.*)\}$/s, (whole, inner: string) => inner.trim() === "" ? whole : inner).trim();
  if (/^[\d_.\s*]+$/.test(t) && /\d/.test(t)) {
    return { value: t.split("*").map((f) => Number(f.trim().replace(/_/g, ""))).reduce((a, b) => a * b, 1) };
  }
  try {
    return { value: JSON.parse(t) };
  } catch {
    return undefined;
  }
}

async function checkDefaults(
  file: string,
  iface: string,
  defaults: object,
  minLiterals: number,
): Promise<void> {
  const docs = await documentedDefaults(file, iface);
  const values = defaults as Record<string, unknown>;
  let checked = 0;
  const wrong: string[] = [];
  for (const [name, text] of docs) {
    const lit = literal(text);
    if (!lit) continue;
    checked++;
    try {
      assert.deepEqual(values[name], lit.value);
    } catch {
      wrong.push(
        `${iface}.${name}: documented @default ${text}, defaults give ${JSON.stringify(values[name])}`,
      );
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked >= minLiterals, `only ${checked} literal defaults found in ${iface}`);
}

Deno.test("MemberlistConfig's @default values are defaultLanConfig()'s", async () => {
  await checkDefaults("lib/memberlist/config.ts", "MemberlistConfig", defaultLanConfig(), 20);
});

Deno.test("SerfConfig's @default values are defaultSerfConfig()'s", async () => {
  await checkDefaults("lib/serf/config.ts", "SerfConfig", defaultSerfConfig(), 15);
});

Deno.test("CoordinateConfig's @default values are defaultCoordinateConfig()'s", async () => {
  await checkDefaults("lib/coordinate/config.ts", "CoordinateConfig", defaultCoordinateConfig(), 5);
});

Deno.test("AgentConfig's @default values are defaultAgentConfig()'s", async () => {
  await checkDefaults("lib/agent/config.ts", "AgentConfig", defaultAgentConfig(), 10);
});
