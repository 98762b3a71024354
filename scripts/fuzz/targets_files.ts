/**
 * Fuzz targets for what the agent reads from disk and the command line:
 * snapshot files, keyring files, JSON config files, and `serfts agent` flags
 * (parsed and turned into a config). Each only ever fails with the error its
 * doc promises, with Serf's text, never a TypeError from inside.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeAgentConfig } from "../../lib/agent/config_file.ts";
import { parseGoDuration } from "../../lib/util/duration.ts";
import { configFromFlags } from "../../lib/cli/agent_command.ts";
import { AGENT_FLAGS } from "../../lib/cli/agent_flags.ts";
import { FlagError, parseFlags } from "../../lib/cli/flags.ts";
import { loadKeyringFile, saveKeyringFile } from "../../lib/serf/keyring_file.ts";
import { Snapshotter } from "../../lib/serf/snapshot.ts";
import { MemorySnapshotFs } from "../../lib/serf/snapshot_fs.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { silentLogger } from "../../lib/util/log.ts";
import { mutated } from "./arbitraries.ts";
import { type FuzzTarget, onlyTypedErrors } from "./target.ts";

const utf8 = new TextEncoder();
const lossy = new TextDecoder();

/** Text that is random, or a valid document with byte-level mutations. */
function hostileText(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    mutated(valid.map((t) => utf8.encode(t))).map((b) => lossy.decode(b)),
  );
}

/** Keys a tag or config map may hold, including the ones that trip naive object code. */
const mapKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.includes("=")),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty"),
);
const tagMap = fc.dictionary(mapKey, fc.string({ maxLength: 10 }), { maxKeys: 4, noNullPrototype: true });

const lineSafe = (max: number) =>
  fc.string({ minLength: 1, maxLength: max }).filter((s) => !/[\n\r]/.test(s));
const snapshotLines = fc.array(
  fc.oneof(
    fc.tuple(lineSafe(12), fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([n, ip, p]) =>
      `alive: ${n} ${ip}:${p}`
    ),
    lineSafe(12).map((n) => `not-alive: ${n}`),
    fc.nat().map((t) => `clock: ${t}`),
    fc.nat().map((t) => `event-clock: ${t}`),
    fc.nat().map((t) => `query-clock: ${t}`),
    fc.constantFrom("leave", "# comment", "coordinate: {}"),
  ),
  { maxLength: 12 },
).map((lines) => lines.map((l) => l + "\n").join(""));

function openSnapshot(text: string | Uint8Array): Snapshotter {
  const fs = new MemorySnapshotFs();
  if (typeof text === "string") fs.writeText("/snap", text);
  else fs.writeText("/snap", lossy.decode(text));
  return Snapshotter.open({
    path: "/snap",
    fs,
    clock: new VirtualClock(),
    lamport: { time: () => 0 },
    logger: silentLogger(),
  });
}

const plainError = (err: unknown) => err instanceof Error && err.constructor === Error;
const syntaxError = (err: unknown) => err instanceof SyntaxError;
const flagOrSyntax = (err: unknown) => err instanceof FlagError || err instanceof SyntaxError;

const configDoc = fc.record({
  node_name: fc.string({ maxLength: 10 }),
  tags: tagMap,
  retry_interval: fc.integer({ min: 1, max: 600 }).map((s) => `${s}s`),
  protocol: fc.integer({ min: 2, max: 5 }),
  rejoin_after_leave: fc.boolean(),
  start_join: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
});

const flagToken = fc.oneof(
  fc.constantFrom(...Object.keys(AGENT_FLAGS).map((f) => `-${f}`)),
  fc.constantFrom(...Object.keys(AGENT_FLAGS).map((f) => `--${f}=`)).chain((f) =>
    fc.string({ maxLength: 8 }).map((v) => f + v)
  ),
  fc.constantFrom("-", "--", "-h", "-tag", "-protocol=x", "-retry-interval=5q", "-tag=novalue", "-tag==v"),
  fc.string({ maxLength: 10 }),
);

/** Files and flags. */
export const agentInputs: FuzzTarget = {
  name: "agent/files-and-flags",
  weight: 3,
  properties: {
    "a snapshot of any text replays without throwing": () =>
      fc.property(hostileText(snapshotLines), (text) => openSnapshot(text).close()),
    "snapshot lines replay to the last alive address and clocks written": () =>
      fc.property(snapshotLines, (text) => {
        const snap = openSnapshot(text);
        const alive = new Map<string, string>();
        let clock = 0;
        for (const line of text.split("\n")) {
          if (line.startsWith("alive: ")) {
            const rest = line.slice(7);
            const i = rest.lastIndexOf(" ");
            alive.set(rest.slice(0, i), rest.slice(i + 1));
          } else if (line.startsWith("not-alive: ")) alive.delete(line.slice(11));
          else if (line.startsWith("clock: ")) clock = Number(line.slice(7));
          else if (line === "leave") {
            alive.clear();
            clock = 0;
          }
        }
        assert.deepEqual(new Map(snap.aliveNodes().map((n) => [n.name, n.addr])), alive);
        assert.equal(snap.lastClock, clock);
        snap.close();
      }),
    "a keyring file of any content loads or fails with Serf's error text": () =>
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          mutated(
            fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 3 }).map((
              keys,
            ) => utf8.encode(JSON.stringify(keys.map((k) => btoa(String.fromCharCode(...k)))))),
          ),
        ),
        (bytes) => {
          const fs = new MemorySnapshotFs();
          fs.writeText("/keys.json", lossy.decode(bytes));
          onlyTypedErrors(() => loadKeyringFile("/keys.json", { fs }), plainError);
        },
      ),
    "keyring files round trip": () =>
      fc.property(
        fc.array(
          fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          { minLength: 1, maxLength: 4 },
        ),
        (keys) => {
          const fs = new MemorySnapshotFs();
          saveKeyringFile("/keys.json", keys, { fs });
          assert.deepEqual(loadKeyringFile("/keys.json", { fs }).getKeys()[0], keys[0]);
          assert.equal(
            loadKeyringFile("/keys.json", { fs }).getKeys().length,
            new Set(keys.map(String)).size,
          );
        },
      ),
    "a config file of any text decodes or fails with a SyntaxError": () =>
      fc.property(
        hostileText(configDoc.map((d) => JSON.stringify(d))),
        (text) => onlyTypedErrors(() => decodeAgentConfig(text), syntaxError),
      ),
    "config files round trip": () =>
      fc.property(configDoc, (doc) => {
        const c = decodeAgentConfig(JSON.stringify(doc));
        assert.equal(c.nodeName, doc.node_name);
        assert.deepEqual(Object.entries(c.tags).sort(), Object.entries(doc.tags).sort());
        assert.equal(c.retryIntervalMs, parseGoDuration(doc.retry_interval));
        assert.equal(c.protocol, doc.protocol);
        assert.deepEqual(c.startJoin, doc.start_join);
      }),
    "agent flags of any kind parse into a config or fail with a FlagError or SyntaxError": () =>
      fc.property(
        fc.array(flagToken, { maxLength: 8 }),
        (argv) => onlyTypedErrors(() => configFromFlags(parseFlags(argv, AGENT_FLAGS)), flagOrSyntax),
      ),
    "-tag flags round trip into the config's tags": () =>
      fc.property(tagMap, (tags) => {
        const argv = Object.entries(tags).flatMap(([k, v]) => ["-tag", `${k}=${v}`]);
        const { config } = configFromFlags(parseFlags(argv, AGENT_FLAGS));
        assert.deepEqual(Object.entries(config.tags).sort(), Object.entries(tags).sort());
      }),
  },
};
