/**
 * Security: a peer's node name and tags, and user event and query names and
 * payloads, are data. They reach an event handler only through its
 * environment and stdin, and no shell ever evaluates them: with `$(touch
 * pwned)` and backticks everywhere, no file named `pwned` appears.
 */
import assert from "node:assert/strict";
import { freePort, waitFor } from "../interop/_serf.ts";
import { connectWhenReady, startAgentProcess } from "../interop/_serfts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const EVIL = "$(touch pwned)";
const EVIL_TICKS = "`touch pwned`;touch pwned|touch pwned";

/** Every file named `pwned` under `dir`. */
function pwnedFiles(dir: string): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.name === "pwned") found.push(`${dir}/${e.name}`);
    if (e.isDirectory) found.push(...pwnedFiles(`${dir}/${e.name}`));
  }
  return found;
}

Deno.test({
  name: "Hostile names, tags and payloads reach handlers through env and stdin and run nothing",
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-inject-" });
    for (const sub of ["a", "b", "h"]) await Deno.mkdir(`${dir}/${sub}`);
    const record = `${dir}/h/record.txt`;
    const handler = `${dir}/h/record.sh`;
    await Deno.writeTextFile(
      handler,
      `#!/bin/sh\n{ echo "EVENT $SERF_EVENT"; env | grep '^SERF_'; echo STDIN; cat; echo; echo END; } >> '${record}'\n` +
        `[ "$SERF_EVENT" = query ] && printf answered\nexit 0\n`,
      { mode: 0o755 },
    );
    const aPort = freePort();
    const a = startAgentProcess(
      ["-node=inject-a", `-bind=127.0.0.1:${aPort}`, `-event-handler=${handler}`],
      undefined,
      undefined,
      `${dir}/a`,
    );
    const b = startAgentProcess(
      [`-node=${EVIL}`, `-bind=127.0.0.1:${freePort()}`, `-tag=evil=${EVIL}`, `-tag=role=${EVIL_TICKS}`],
      undefined,
      undefined,
      `${dir}/b`,
    );
    try {
      const cb = await connectWhenReady(b);
      await connectWhenReady(a).then((c) => c.close());
      await cb.join([`127.0.0.1:${aPort}`]);
      await cb.userEvent(EVIL, new TextEncoder().encode(`${EVIL} ${EVIL_TICKS}`), false);
      const answers: string[] = [];
      // Only a has a handler; the query ends once it answered (the timeout is for a loaded machine).
      await cb.query({
        name: EVIL_TICKS,
        payload: new TextEncoder().encode(EVIL),
        filterNodes: ["inject-a"],
        timeoutMs: 20_000,
      }, {
        onResponse: (r) => answers.push(new TextDecoder().decode(r.payload)),
      });
      cb.close();
      const text = () => Deno.readTextFile(record).catch(() => "");
      const arrived = await waitFor(async () => {
        const t = await text();
        // The evil member's own join (not only a's) must have reached the handler too.
        return ["EVENT member-join", "EVENT user", "EVENT query"].every((e) => t.includes(e)) &&
          t.includes(`\n${EVIL}\t127.0.0.1\t`);
      }, 20_000);
      assert.ok(arrived, `handler record:\n${await text()}\nagent:\n${a.output()}`);
      assert.ok(answers.includes("answered"), `the query handler answered: ${answers}`);
      const got = await text();
      assert.ok(
        got.includes(`SERF_USER_EVENT=${EVIL}`),
        "the event name arrived verbatim in the environment",
      );
      assert.ok(got.includes(`SERF_QUERY_NAME=${EVIL_TICKS}`), "the query name arrived verbatim");
      assert.ok(got.includes(`${EVIL} ${EVIL_TICKS}`), "the payload arrived verbatim on stdin");
      assert.ok(
        got.includes(`\n${EVIL}\t127.0.0.1\t${EVIL_TICKS}\tevil=${EVIL},role=${EVIL_TICKS}\n`),
        "the member's name, role and tags arrived verbatim on stdin",
      );
      assert.deepEqual(pwnedFiles(dir), [], "no handler evaluated a name, tag or payload");
      assert.throws(() => Deno.statSync(`${Deno.cwd()}/pwned`), Deno.errors.NotFound);
    } finally {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
