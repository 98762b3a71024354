/**
 * Every committed golden file is what its Go generator writes today: each
 * generator runs into a temporary directory and the output must equal the
 * committed file byte for byte (security.json is checked the same way in
 * tests/memberlist/security_golden_test.ts). A stale or hand-edited golden file
 * fails here.
 */
import assert from "node:assert/strict";
import { goldenTool } from "../codec/_golden.ts";
import { serfGoldenTool } from "../serf/_serf_golden.ts";
import { buildGoTool, type GoTool, reportSkip, toolPath } from "../_go_tool.ts";

const ROOT = new URL("../../", import.meta.url);
const GOLDEN = new URL("tests/data/golden/", ROOT);

interface Generator {
  files: string[];
  tool: () => Promise<GoTool>;
  /** Arguments given the output directory. */
  args: (dir: string) => string[];
}

const generators: Record<string, Generator> = {
  "scripts/golden/main.go": {
    files: ["msgpack.json", "memberlist.json"],
    tool: goldenTool,
    args: (dir) => ["gen", dir],
  },
  "scripts/golden/serf/main.go": {
    files: ["serf.json"],
    tool: serfGoldenTool,
    args: (dir) => ["gen", dir],
  },
  "scripts/golden/coordinate/main.go": {
    files: ["coordinate.json"],
    tool: () =>
      buildGoTool(new URL("scripts/golden/coordinate/", ROOT), "golden-coordinate", {
        needs: ["github.com/hashicorp/serf/coordinate"],
      }),
    args: (dir) => [`${dir}/coordinate.json`],
  },
};

for (const [source, gen] of Object.entries(generators)) {
  const tool = await gen.tool();
  const name = `${source} regenerates ${gen.files.join(" and ")} byte for byte`;
  Deno.test({
    name,
    ignore: reportSkip(name, tool),
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "serfts-golden-regen-" });
      try {
        const out = await new Deno.Command(toolPath(tool), {
          args: gen.args(dir),
          stdout: "null",
          stderr: "piped",
        })
          .output();
        assert.ok(out.success, `${source} failed: ${new TextDecoder().decode(out.stderr)}`);
        for (const file of gen.files) {
          const fresh = await Deno.readFile(`${dir}/${file}`);
          const committed = await Deno.readFile(new URL(file, GOLDEN));
          assert.ok(
            fresh.length === committed.length && fresh.every((b, i) => b === committed[i]),
            `tests/data/golden/${file} differs from what ${source} writes now (regenerate and commit it)`,
          );
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
