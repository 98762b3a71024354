import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CircularBuffer,
  handlerEnvironment,
  handlerStdin,
  invokeEventScript,
  MAX_OUTPUT_BYTES,
  sanitizeTagName,
} from "../../lib/agent/invoke.ts";
import { denoPlatform } from "../../lib/platform/deno.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import type { Member, QueryEvent, SerfEvent } from "../../lib/serf/types.ts";

const platform = denoPlatform();
const enc = new TextEncoder();
const dec = new TextDecoder();

function member(name: string, tags: Record<string, string>, addr = "127.0.0.1"): Member {
  return {
    name,
    addr,
    port: 7946,
    tags,
    status: "alive",
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  };
}

function recorder() {
  const lines: string[] = [];
  return { lines, logger: new Logger({ level: "TRACE", sink: (l) => lines.push(l), subsystem: "agent" }) };
}

const self = member("self-node", { role: "web", "dc-name": "east", "x.y": "1" });

/** Runs a handler that records env and stdin into a temp dir; returns what it saw. */
async function runRecording(event: SerfEvent, extra = "") {
  const dir = await Deno.makeTempDir();
  try {
    const { logger, lines } = recorder();
    const script = `env | grep '^SERF_' | sort > "${dir}/env"; cat > "${dir}/stdin"${extra}`;
    let error: unknown;
    await invokeEventScript(script, self, event, { platform, logger, timeoutMs: 10_000 }).catch((
      e,
    ) => (error = e));
    return {
      env: await Deno.readTextFile(join(dir, "env")),
      stdin: await Deno.readTextFile(join(dir, "stdin")),
      lines,
      error,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sanitizeTagName upper-cases and replaces what is not [A-Z0-9_]", () => {
  assert.equal(sanitizeTagName("role"), "ROLE");
  assert.equal(sanitizeTagName("dc-name.x y"), "DC_NAME_X_Y");
  assert.equal(sanitizeTagName("a_1"), "A_1");
  assert.equal(sanitizeTagName("ßé"), "__"); // Go keeps ß as ß (no single-rune upper case), then replaces it
  assert.equal(sanitizeTagName("ı"), "I"); // dotless i upper-cases to ASCII I in Go too
});

Deno.test("invokeEventScript passes a member event in the environment and on stdin", async () => {
  const event: SerfEvent = {
    type: "member-join",
    members: [
      member("b", { role: "db", z: "1", a: "2" }, "10.0.0.2"),
      member("tab\there", { role: "line\nbreak" }),
    ],
  };
  const r = await runRecording(event);
  assert.equal(
    r.env,
    [
      "SERF_EVENT=member-join",
      "SERF_SELF_NAME=self-node",
      "SERF_SELF_ROLE=web",
      "SERF_TAG_DC_NAME=east",
      "SERF_TAG_ROLE=web",
      "SERF_TAG_X_Y=1",
      "",
    ].join("\n"),
  );
  assert.equal(
    r.stdin,
    "b\t10.0.0.2\tdb\ta=2,role=db,z=1\ntab\\there\t127.0.0.1\tline\\nbreak\trole=line\\nbreak\n",
  );
  assert.ok(r.lines.some((l) => l.includes("[DEBUG] agent: Event 'member-join' script output: ")));
});

Deno.test("invokeEventScript gives user events their name, LTime and payload plus a newline", async () => {
  const event: SerfEvent = {
    type: "user",
    lTime: 42,
    name: "deploy",
    payload: enc.encode("v2"),
    coalesce: true,
  };
  const r = await runRecording(event);
  assert.match(r.env, /^SERF_EVENT=user$/m);
  assert.match(r.env, /^SERF_USER_EVENT=deploy$/m);
  assert.match(r.env, /^SERF_USER_LTIME=42$/m);
  assert.equal(r.stdin, "v2\n");
  const withNewline = await runRecording({ ...event, payload: enc.encode("a\n") });
  assert.equal(withNewline.stdin, "a\n");
  const empty = await runRecording({ ...event, payload: new Uint8Array() });
  assert.equal(empty.stdin, "");
});

function queryEvent(
  payload: string,
  responses: Uint8Array[],
  deadlineIn = 5_000,
  limit = 1024,
  now = performance.now(),
): QueryEvent {
  return {
    type: "query",
    lTime: 7,
    name: "uptime",
    payload: enc.encode(payload),
    id: 1,
    sourceNode: "asker",
    deadline: now + deadlineIn,
    respond(p) {
      if (p.length > limit) {
        throw new RangeError(`failed to respond to key query: response exceeds limit of ${limit} bytes`);
      }
      responses.push(p);
    },
  };
}

Deno.test("invokeEventScript answers a query with the handler's combined output", async () => {
  const responses: Uint8Array[] = [];
  const r = await runRecording(queryEvent("ping", responses), "; echo out; echo err >&2; printf last");
  assert.match(r.env, /^SERF_QUERY_NAME=uptime$/m);
  assert.match(r.env, /^SERF_QUERY_LTIME=7$/m);
  assert.equal(r.stdin, "ping\n");
  assert.deepEqual(responses.map((p) => dec.decode(p)), ["out\nerr\nlast"]);
  assert.ok(r.lines.some((l) => l.endsWith("[DEBUG] agent: Event 'query' script output: out\nerr\nlast")));
});

Deno.test("invokeEventScript does not answer after a failure or without output, and logs a refused answer", async () => {
  const responses: Uint8Array[] = [];
  const failed = await runRecording(queryEvent("", responses), "; echo partial; exit 3");
  assert.equal((failed.error as Error).message, "exit status 3");
  const silent = await runRecording(queryEvent("", responses));
  assert.equal(silent.error, undefined);
  assert.equal(responses.length, 0);
  const big = await runRecording(queryEvent("", responses, 5_000, 10), "; printf 'more than ten bytes'");
  assert.ok(big.lines.some((l) =>
    l.includes(
      "[WARN] agent: Failed to respond to query 'query: uptime': failed to respond to key query: response exceeds limit of 10 bytes",
    )
  ));
});

Deno.test("invokeEventScript warns at 1s and kills a hung handler at the bound", async () => {
  const { logger, lines } = recorder();
  const clock = new VirtualClock();
  const timers = { now: () => clock.now(), setTimer: (ms: number, fn: () => void) => clock.setTimer(ms, fn) };
  const event: SerfEvent = { type: "user", lTime: 1, name: "x", payload: new Uint8Array(), coalesce: false };
  let settled = false;
  const run = invokeEventScript("sleep 30 & sleep 30; echo never", self, event, {
    platform,
    logger,
    timeoutMs: 1_500,
    ...timers,
  }).finally(() => settled = true);
  const slow = () =>
    lines.some((l) => l.includes("[WARN] agent: Script 'sleep 30 & sleep 30; echo never' slow"));
  const killing = () => lines.some((l) => l.includes("did not finish within 1.5s, killing it"));
  await clock.advance(999);
  assert.ok(!slow() && !killing() && !settled);
  await clock.advance(1);
  assert.ok(lines.some((l) => l.includes("slow, execution exceeding 1s")), "warned at 1s");
  await clock.advance(499);
  assert.ok(!killing() && !settled, "not killed before the bound");
  await clock.advance(1);
  assert.ok(killing(), "killed at the bound");
  // The handler sleeps 30 s twice: only the kill at the virtual bound can end it with a signal.
  await assert.rejects(run, { message: "signal: killed" });
});

Deno.test("invokeEventScript bounds a query handler by the query deadline", async () => {
  const { logger, lines } = recorder();
  const clock = new VirtualClock();
  const responses: Uint8Array[] = [];
  let settled = false;
  const run = invokeEventScript(
    "echo early; sleep 30",
    self,
    queryEvent("", responses, 1_200, 1024, clock.now()),
    {
      platform,
      logger,
      timeoutMs: 60_000,
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
    },
  ).finally(() => settled = true);
  await clock.advance(1_199);
  assert.ok(!settled && !lines.some((l) => l.includes("killing it")), "alive until the query deadline");
  await clock.advance(1);
  assert.ok(
    lines.some((l) => l.includes("did not finish within 1.2s, killing it")),
    "killed at the deadline",
  );
  await assert.rejects(run, { message: "signal: killed" });
  assert.equal(responses.length, 0);
});

Deno.test("invokeEventScript keeps the last 8 KiB of output and says so", async () => {
  const { logger, lines } = recorder();
  const responses: Uint8Array[] = [];
  await invokeEventScript(
    "head -c 10000 /dev/zero | tr '\\0' 'a'; printf END",
    self,
    queryEvent("", responses, 5_000, 100_000),
    { platform, logger, timeoutMs: 10_000 },
  );
  assert.equal(responses[0]!.length, MAX_OUTPUT_BYTES);
  assert.ok(dec.decode(responses[0]!).endsWith("aaaEND"));
  assert.ok(lines.some((l) => l.includes("generated 10003 bytes of output, truncated to 8192")));
});

Deno.test("invokeEventScript reports a handler that cannot start, and honours an abort", async () => {
  const { logger } = recorder();
  const event: SerfEvent = { type: "user", lTime: 1, name: "x", payload: new Uint8Array(), coalesce: false };
  await assert.rejects(
    invokeEventScript("exit 127", self, event, { platform, logger, timeoutMs: 5_000 }),
    { message: "exit status 127" },
  );
  const abort = new AbortController();
  const run = invokeEventScript("sleep 30", self, event, {
    platform,
    logger,
    timeoutMs: 60_000,
    signal: abort.signal,
  });
  setTimeout(() => abort.abort(), 200);
  await assert.rejects(run, { message: "signal: killed" });
});

Deno.test("handlerEnvironment and handlerStdin never put cluster data on a command line", () => {
  const evil = member("$(touch /tmp/pwned)", { role: "`id`" });
  const env = handlerEnvironment(evil, { type: "member-leave", members: [evil] });
  assert.equal(env.SERF_SELF_NAME, "$(touch /tmp/pwned)");
  assert.equal(
    dec.decode(handlerStdin({ type: "member-leave", members: [evil] })),
    "$(touch /tmp/pwned)\t127.0.0.1\t`id`\trole=`id`\n",
  );
});

Deno.test("CircularBuffer keeps the newest bytes in order", () => {
  const b = new CircularBuffer(4);
  b.write(enc.encode("ab"));
  assert.equal(dec.decode(b.bytes()), "ab");
  b.write(enc.encode("cde"));
  assert.equal(dec.decode(b.bytes()), "bcde");
  b.write(enc.encode("0123456789"));
  assert.equal(dec.decode(b.bytes()), "6789");
  b.write(enc.encode("x"));
  assert.equal(dec.decode(b.bytes()), "789x");
  assert.equal(b.totalWritten, 16);
});
