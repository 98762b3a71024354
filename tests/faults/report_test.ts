import assert from "node:assert/strict";
import { replaceSection, resultsMarkdown, scenarioTable } from "../../scripts/faults/report.ts";
import type { ScenarioResult } from "../../scripts/faults/scenario.ts";

const SECTION = "## Fault lab\n\nnew figures\n";

Deno.test("replaceSection replaces only the Fault lab section and keeps the others", () => {
  const doc =
    "# Reliability\n\n## Bad input\n\nfuzz\n\n## Fault lab\n\nold\n\n### 1. x\n\nold table\n\n## Soak\n\nsoak\n";
  assert.equal(
    replaceSection(doc, SECTION),
    "# Reliability\n\n## Bad input\n\nfuzz\n\n## Fault lab\n\nnew figures\n\n## Soak\n\nsoak\n",
  );
});

Deno.test("replaceSection appends the section when the file has none, and replaces it at the end", () => {
  const appended = replaceSection("# Reliability\n\n## Bad input\n\nfuzz\n", SECTION);
  assert.equal(appended, "# Reliability\n\n## Bad input\n\nfuzz\n\n## Fault lab\n\nnew figures\n");
  assert.equal(replaceSection(appended, "## Fault lab\n\nnewer\n"), appended.replace("new figures", "newer"));
});

const result: ScenarioResult = {
  id: 6,
  title: "Mixed",
  elapsedMs: 12_000,
  runs: [
    { label: "serf", passed: true, problems: [], figures: { "time (s)": 1.5, kept: "yes" } },
    {
      label: "serfts",
      passed: false,
      problems: ["did not rejoin"],
      figures: { "time (s)": null, kept: "no" },
    },
    { label: "mix", passed: true, problems: [], figures: { refutations: 1 } },
  ],
};

Deno.test("scenarioTable has a row per run, a column per figure, a dash for unmeasured and the outcome", () => {
  const rows = scenarioTable({ ...result, runs: result.runs.slice(0, 2) }).split("\n");
  assert.equal(rows[0], "| run | time (s) | kept | outcome |");
  assert.equal(rows[2], "| serf | 1.5 | yes | pass |");
  assert.equal(rows[3], "| serfts | — | no | FAIL: did not rejoin |");
});

Deno.test("resultsMarkdown starts a new table where the runs' figures change", () => {
  const text = resultsMarkdown([result]);
  assert.match(text, /^### 6\. Mixed\n/);
  assert.equal(text.split("\n").filter((l) => l.startsWith("| run |")).length, 2);
  assert.match(text, /\| mix \| 1 \| pass \|/);
});
