/**
 * Checks the import direction of lib/ and where runtime-specific code lives.
 *
 * The floors, lowest first; a file may import its own floor and any floor below,
 * never one above:
 *
 * ```
 * util → codec → transport | platform → memberlist → serf → rpc → http → agent → cli
 * ```
 *
 * - `transport/` and `platform/` share a floor and do not import each other:
 *   both are runtime seams (sockets; processes, files and signals) that only the
 *   composition root (agent, cli, mod.ts) puts together.
 * - `coordinate/` is pure math: it imports only `util/`, and only `serf/` and the
 *   floors above it may import it (memberlist knows nothing of Vivaldi).
 * - `rpc/client.ts` never reaches `rpc/server*.ts`, directly or through the
 *   files it imports, so a client does not load the server.
 * - Only the runtime adapters touch `Deno.*` or `Bun.*` (including property
 *   access such as `globalThis.Bun`): `transport/{deno,bun}*.ts`,
 *   `platform/{deno,bun,node}*.ts` (Bun runs the node-compatible platform) and
 *   the two runtime pickers `transport/detect.ts` and `platform/detect.ts`.
 * - Node's I/O modules (`node:fs`, `node:net`, `node:dgram`, `node:child_process`,
 *   `node:os`, `node:dns`, `node:process`, `node:http`) are runtime code too: they may be
 *   imported by those adapters and anywhere in `platform/`, the seam that wraps
 *   them (e.g. platform/multicast_node.ts, used on both runtimes), nowhere else.
 *   Loading one by name (`lazyBuiltin("node:fs")`) counts as importing it.
 *
 * - No import circles: each is reported and fails the check.
 *
 * Run: `deno run --allow-read scripts/check_imports.ts [libDir]`; exits 1 on a
 * violation, printing one line per violation.
 *
 * @module
 */

/** One broken rule: `file` (relative to lib/) and what it did. */
export interface Violation {
  file: string;
  rule: "direction" | "runtime" | "client-server";
  detail: string;
}

/** What {@linkcode checkImports} found. */
export interface CheckResult {
  /** Violations not in the allowlist: these fail the check. */
  violations: Violation[];
  /** Violations excused by {@linkcode KNOWN_VIOLATIONS}. */
  allowed: Violation[];
  /** Allowlist entries that no longer match anything (remove them). */
  stale: string[];
  /** Import circles, each as a list of files. */
  cycles: string[][];
}

/** Floor of each lib/ directory; `coordinate` is handled on its own. */
const FLOORS: Record<string, number> = {
  util: 0,
  codec: 1,
  transport: 2,
  platform: 2,
  memberlist: 3,
  serf: 4,
  rpc: 5,
  http: 6,
  agent: 7,
  cli: 8,
};

/**
 * Violations excused while being fixed, as `file rule detail` keys. Empty since
 * issue 9 item 4 removed the last ones; keep it that way.
 */
export const KNOWN_VIOLATIONS: ReadonlySet<string> = new Set<string>();

const NODE_IO = /^node:(fs|fs\/promises|net|dgram|child_process|os|dns|dns\/promises|process|https?)$/;

function isRuntimeAdapter(file: string): boolean {
  return /^transport\/(deno|bun)[^/]*\.ts$/.test(file) ||
    /^platform\/(deno|bun|node)[^/]*\.ts$/.test(file) ||
    file === "transport/detect.ts" || file === "platform/detect.ts";
}

/**
 * Blanks comments, and also string and template contents when `strings` is
 * true, keeping line structure; quotes stay so import specifiers can be found.
 */
export function stripSource(src: string, strings: boolean): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === "/" && next === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      const body = src.slice(i + 1, j);
      out += c + (strings ? body.replace(/[^\n]/g, " ") : body) + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Import and re-export specifiers in `src` (static, side-effect and dynamic). */
export function importSpecifiers(src: string): string[] {
  const code = stripSource(src, false);
  const found: string[] = [];
  const re =
    /(?:\bimport|\bexport)\s*(?:type\s+)?(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of code.matchAll(re)) found.push((m[1] ?? m[2])!);
  return found;
}

function resolve(file: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const parts = file.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

function directionError(from: string, to: string): string | undefined {
  const a = from.split("/")[0]!;
  const b = to.split("/")[0]!;
  if (to.startsWith("..") || !to.includes("/")) return `imports ${to} outside lib/`;
  if (a === b) return undefined;
  if (a === "coordinate") return b === "util" ? undefined : `imports ${to}`;
  if (b === "coordinate") return (FLOORS[a] ?? -1) >= FLOORS.serf! ? undefined : `imports ${to}`;
  const fa = FLOORS[a];
  const fb = FLOORS[b];
  if (fa === undefined) return `is in lib/${a}/, which has no floor in scripts/check_imports.ts`;
  if (fb === undefined) return `imports ${to}, whose directory has no floor in scripts/check_imports.ts`;
  if (fb >= fa) return `imports ${to}`;
  return undefined;
}

async function listTs(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) files.push(...await listTs(`${dir}/${entry.name}`, rel));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(rel);
  }
  return files.sort();
}

function findCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components; any component of two or more files is a circle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  function visit(v: string): void {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return cycles;
}

/**
 * Checks every `.ts` file under `libDir` against the rules in this module's doc.
 *
 * @param libDir the lib/ directory to check
 * @param known allowlisted violations, as `file rule detail` keys
 */
export async function checkImports(
  libDir: string,
  known: ReadonlySet<string> = KNOWN_VIOLATIONS,
): Promise<CheckResult> {
  const files = await listTs(libDir);
  const found: Violation[] = [];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const src = await Deno.readTextFile(`${libDir}/${file}`);
    const targets: string[] = [];
    const specs = importSpecifiers(src);
    // A builtin loaded by name (`lazyBuiltin("node:fs")`, `process.getBuiltinModule`) counts as an import.
    const builtins = [...stripSource(src, false).matchAll(/["'`](node:[\w/]+)["'`]/g)].map((m) => m[1]!);
    if (!isRuntimeAdapter(file) && !file.startsWith("platform/")) {
      for (const spec of new Set([...specs, ...builtins])) {
        if (NODE_IO.test(spec)) found.push({ file, rule: "runtime", detail: `imports ${spec}` });
      }
    }
    for (const spec of specs) {
      const to = resolve(file, spec);
      if (to === undefined) continue;
      targets.push(to);
      const problem = directionError(file, to);
      if (problem) found.push({ file, rule: "direction", detail: problem });
    }
    graph.set(file, targets);
    if (!isRuntimeAdapter(file)) {
      const code = stripSource(src, true);
      for (const runtime of ["Deno", "Bun"]) {
        if (new RegExp(`(?<![\\w$])${runtime}\\s*\\.|\\.\\s*${runtime}(?![\\w$])`).test(code)) {
          found.push({ file, rule: "runtime", detail: `touches ${runtime}` });
        }
      }
    }
  }
  // rpc/client.ts must not reach the server through anything it imports.
  const client = "rpc/client.ts";
  if (graph.has(client)) {
    const seen = new Set<string>([client]);
    const queue: string[][] = [[client]];
    while (queue.length > 0) {
      const path = queue.shift()!;
      for (const next of graph.get(path.at(-1)!) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        if (/^rpc\/server[^/]*\.ts$/.test(next)) {
          found.push({
            file: client,
            rule: "client-server",
            detail: `reaches ${[...path, next].join(" -> ")}`,
          });
        }
        queue.push([...path, next]);
      }
    }
  }
  const key = (v: Violation) => `${v.file} ${v.rule} ${v.detail}`;
  const matched = new Set(found.map(key).filter((k) => known.has(k)));
  return {
    violations: found.filter((v) => !known.has(key(v))),
    allowed: found.filter((v) => known.has(key(v))),
    stale: [...known].filter((k) => !matched.has(k)),
    cycles: findCycles(graph),
  };
}

if (import.meta.main) {
  const libDir = Deno.args[0] ?? new URL("../lib", import.meta.url).pathname;
  const result = await checkImports(libDir);
  for (const v of result.allowed) console.log(`known: lib/${v.file}: ${v.rule}: ${v.detail}`);
  for (const k of result.stale) console.log(`note: allowlist entry no longer occurs, remove it: ${k}`);
  for (const c of result.cycles) console.error(`violation: import circle: ${c.join(", ")}`);
  for (const v of result.violations) console.error(`violation: lib/${v.file}: ${v.rule}: ${v.detail}`);
  console.log(
    `check_imports: ${result.violations.length} violation(s), ${result.allowed.length} known, ` +
      `${result.cycles.length} circle(s)`,
  );
  if (result.violations.length > 0 || result.cycles.length > 0) Deno.exit(1);
}
