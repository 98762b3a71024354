import assert from "node:assert/strict";
import { LamportClock } from "../../lib/serf/lamport.ts";
import {
  MemorySnapshotFs,
  nodeSnapshotFs,
  type SnapshotFs,
  type SnapshotOptions,
  Snapshotter,
} from "../../lib/serf/snapshot.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { findSerf, freePort, startSerf, waitFor } from "../interop/_serf.ts";

const SAMPLE = Deno.readTextFileSync(new URL("../data/serf_snapshot_sample.txt", import.meta.url));
const PATH = "/data/serf.snapshot";

function setup(options: Partial<SnapshotOptions> & { text?: string; fs?: SnapshotFs } = {}) {
  const fs = options.fs ?? new MemorySnapshotFs();
  if (options.text !== undefined) (fs as MemorySnapshotFs).writeText(PATH, options.text);
  const clock = new VirtualClock();
  const lamport = new LamportClock(1);
  const lines: string[] = [];
  const logger = new Logger({ sink: (l) => lines.push(l), level: "DEBUG" });
  const snap = Snapshotter.open({
    path: PATH,
    clock,
    lamport,
    logger,
    random: new SeededRandom(1),
    ...options,
    fs,
  });
  return { fs: fs as MemorySnapshotFs, clock, lamport, lines, snap };
}

const member = (name: string, addr = "10.0.0.1", port = 7946) => ({ name, addr, port });
const sorted = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => a.name.localeCompare(b.name));

Deno.test("Snapshotter replays a snapshot written by the real serf agent", () => {
  // Two runs of `serf agent -snapshot`: y joined, events and a query ran, y left, x was
  // killed; then x restarted, sent an event and left gracefully (a clock line follows the leave).
  const plain = setup({ text: SAMPLE });
  assert.deepEqual(plain.snap.aliveNodes(), [], "the final leave forgets the members");
  assert.deepEqual([plain.snap.lastClock, plain.snap.lastEventClock, plain.snap.lastQueryClock], [3, 0, 0]);
  plain.snap.close();

  const rejoin = setup({ text: SAMPLE, rejoinAfterLeave: true });
  assert.deepEqual(rejoin.snap.aliveNodes(), [{ name: "x", addr: "127.0.0.1:57479" }]);
  assert.deepEqual([rejoin.snap.lastClock, rejoin.snap.lastEventClock, rejoin.snap.lastQueryClock], [
    3,
    3,
    1,
  ]);
  assert.ok(rejoin.lines.some((l) => l.includes("[INFO] Ignoring previous leave in snapshot")));
  rejoin.snap.close();

  const firstRun = SAMPLE.split("\n").slice(0, 8).join("\n") + "\n";
  const before = setup({ text: firstRun });
  assert.deepEqual(before.snap.aliveNodes(), [{ name: "x", addr: "127.0.0.1:58783" }]);
  assert.deepEqual([before.snap.lastClock, before.snap.lastEventClock, before.snap.lastQueryClock], [
    2,
    2,
    1,
  ]);
  before.snap.close();
});

Deno.test("Snapshotter replay follows Serf's parsing rules line by line", () => {
  const text = [
    "# a comment",
    "alive: name with spaces 10.0.0.9:7946",
    "alive: noaddress",
    "alive: gone [2001:db8::1]:7946",
    "not-alive: gone",
    "clock: 12",
    "clock: -1",
    "event-clock: 99999999999999999999",
    "query-clock: 0x10",
    'coordinate: {"Vec":[0]}',
    "",
    "bogus line",
    "event-clock: 4",
    "alive: torn 10.0.0.8:79", // no newline: a torn write, ignored
  ].join("\n");
  const { snap, lines } = setup({ text });
  assert.deepEqual(snap.aliveNodes(), [{ name: "name with spaces", addr: "10.0.0.9:7946" }]);
  assert.deepEqual([snap.lastClock, snap.lastEventClock, snap.lastQueryClock], [12, 4, 0]);
  const warnings = lines.filter((l) => l.includes("[WARN]"));
  assert.equal(warnings.length, 6, warnings.join("\n"));
  assert.ok(warnings.some((l) => l.endsWith("Failed to parse address: alive: noaddress")));
  assert.ok(warnings.some((l) => l.endsWith("Unrecognized snapshot line: bogus line")));
  assert.ok(
    warnings.some((l) => l.includes('Failed to convert query clock time: invalid or too large value "0x10"')),
  );
  snap.close();
});

Deno.test("Snapshotter writes Serf's line format", async () => {
  const { fs, clock, lamport, snap } = setup();
  lamport.witness(4); // member clock now 5: last seen time 4
  snap.recordMemberEvent({ type: "member-join", members: [member("a"), member("b", "2001:db8::2", 8000)] });
  snap.recordEventClock(7);
  snap.recordEventClock(7); // not newer: ignored
  snap.recordQueryClock(3);
  snap.recordQueryClock(2);
  snap.recordMemberEvent({ type: "member-update", members: [member("a")] });
  snap.record({ type: "member-failed", members: [member("b")] });
  snap.record({ type: "member-reap", members: [member("b")] });
  snap.record({ type: "user", lTime: 6 });
  snap.record({ type: "query", lTime: 3 });
  await clock.advance(100);
  snap.close();
  assert.equal(
    fs.text(PATH),
    "alive: a 10.0.0.1:7946\nalive: b [2001:db8::2]:8000\nclock: 4\nevent-clock: 7\nquery-clock: 3\nnot-alive: b\n" +
      `# serfts-failed: {"name":"b","addr":"10.0.0.1:7946","tags":{},"at":${clock.wallNow() - 100}}\n` +
      "not-alive: b\n",
  );
  assert.equal(fs.mode(PATH), 0o600);
});

Deno.test("Snapshotter holds member lines up to 500 ms, writes clocks through, fsyncs on leave and close", async () => {
  const { fs, clock, snap } = setup();
  const alive = (n: string) => `alive: ${n} 10.0.0.1:7946\n`;
  snap.recordMemberEvent({ type: "member-join", members: [member("a")] });
  assert.equal(fs.text(PATH), alive("a"), "the first line is written at once");
  await clock.advance(200);
  snap.recordMemberEvent({ type: "member-join", members: [member("b")] });
  assert.equal(fs.text(PATH), alive("a"), "held in the buffer");
  await clock.advance(301);
  assert.equal(fs.text(PATH), alive("a") + alive("b"), "the 500 ms tick writes what waits");
  snap.recordMemberEvent({ type: "member-join", members: [member("c")] });
  assert.equal(fs.text(PATH), alive("a") + alive("b"), "held again");
  await clock.advance(10);
  snap.recordMemberEvent({ type: "member-join", members: [member("d")] });
  snap.recordEventClock(2); // a handler may run next: the clock must survive a kill
  assert.equal(fs.text(PATH), alive("a") + alive("b") + alive("c") + alive("d") + "event-clock: 2\n");
  snap.recordQueryClock(1);
  assert.equal(fs.text(PATH)!.split("\n").at(-2), "query-clock: 1");
  assert.equal(fs.syncs(PATH), 0);
  await clock.advance(10);
  snap.recordMemberEvent({ type: "member-join", members: [member("e")] });
  snap.close();
  assert.equal(fs.text(PATH)!.split("\n").at(-2), alive("e").trimEnd(), "close writes the buffer");
  assert.equal(fs.syncs(PATH), 1);
  assert.equal(clock.pending, 0, "the clock tick stops at close");
});

Deno.test("Snapshotter records the member clock on its 500 ms tick, only when it advanced", async () => {
  const { fs, clock, lamport, snap } = setup();
  await clock.advance(500);
  assert.equal(fs.text(PATH), "", "clock 1 means nothing seen yet");
  lamport.increment();
  lamport.increment();
  await clock.advance(499);
  assert.equal(fs.text(PATH), "");
  await clock.advance(1);
  assert.equal(fs.text(PATH), "clock: 2\n");
  await clock.advance(2000);
  assert.equal(fs.text(PATH), "clock: 2\n", "unchanged clock: no new line");
  lamport.witness(40);
  snap.close();
  assert.equal(fs.text(PATH), "clock: 2\nclock: 40\n", "close records the clock one last time");
});

Deno.test("Snapshotter.leave forgets members unless rejoinAfterLeave, and later replays honour it", async () => {
  for (const rejoinAfterLeave of [false, true]) {
    const { fs, clock, lamport, snap } = setup({ rejoinAfterLeave });
    snap.recordMemberEvent({ type: "member-join", members: [member("a"), member("b")] });
    snap.recordEventClock(5);
    snap.leave();
    assert.equal(fs.syncs(PATH), 1, "leave is forced to disk");
    assert.deepEqual(snap.aliveNodes().length, rejoinAfterLeave ? 2 : 0);
    snap.recordMemberEvent({ type: "member-join", members: [member("c")] });
    snap.recordEventClock(9);
    lamport.witness(6);
    await clock.advance(500); // the tick still runs after a leave, as in Serf
    snap.close();
    assert.equal(
      fs.text(PATH),
      "alive: a 10.0.0.1:7946\nalive: b 10.0.0.1:7946\nevent-clock: 5\nleave\nclock: 6\n",
    );

    const again = setup({ fs, rejoinAfterLeave });
    assert.deepEqual(sorted(again.snap.aliveNodes()).map((n) => n.name), rejoinAfterLeave ? ["a", "b"] : []);
    assert.deepEqual([again.snap.lastClock, again.snap.lastEventClock], [6, rejoinAfterLeave ? 5 : 0]);
    again.snap.close();
  }
});

Deno.test("Snapshotter compacts to alive nodes and clocks once past the size threshold", async () => {
  const { fs, clock, lamport, snap } = setup({ minCompactSize: 1024 });
  lamport.witness(10);
  for (let i = 0; i < 6; i++) snap.recordMemberEvent({ type: "member-join", members: [member(`n${i}`)] });
  // 6 alive lines and "clock: 10" so far; 6 nodes * 256 bytes = 1536 is above the 1024-byte minimum.
  let written = 6 * "alive: n0 10.0.0.1:7946\n".length + "clock: 10\n".length;
  let lTime = 0;
  while (fs.text(PATH)!.startsWith("alive: n0")) {
    const line = `event-clock: ${++lTime}\n`;
    if (written + line.length > 1536) break;
    written += line.length;
    snap.recordEventClock(lTime);
    await clock.advance(501);
  }
  assert.ok(fs.text(PATH)!.endsWith(`event-clock: ${lTime - 1}\n`), "no compaction below the threshold");
  snap.recordEventClock(lTime);
  assert.equal(
    fs.text(PATH),
    [...Array(6)].map((_, i) => `alive: n${i} 10.0.0.1:7946\n`).join("") +
      `clock: 10\nevent-clock: ${lTime}\nquery-clock: 0\n`,
  );
  assert.deepEqual(fs.paths(), [PATH], "the temporary .compact file was renamed into place");
  snap.recordQueryClock(1);
  await clock.advance(501);
  snap.recordQueryClock(2);
  snap.close();
  const replay = setup({ fs });
  assert.equal(replay.snap.aliveNodes().length, 6);
  assert.deepEqual([replay.snap.lastEventClock, replay.snap.lastQueryClock], [lTime, 2]);
  replay.snap.close();
});

Deno.test("Snapshotter survives write failures and recovers by compaction at most every 30 s", async () => {
  const { fs, clock, lines, snap } = setup();
  snap.recordMemberEvent({ type: "member-join", members: [member("a")] });
  fs.failWrites = true;
  await clock.advance(600);
  snap.recordEventClock(1);
  assert.ok(lines.some((l) => l.includes("[ERR] Failed to update snapshot: write file: input/output error")));
  assert.ok(lines.some((l) => l.includes("Compaction failed, will reattempt after 30s")));
  fs.failWrites = false;
  lines.length = 0;
  await clock.advance(600);
  snap.recordEventClock(2);
  assert.ok(lines.some((l) => l.includes("Failed to update snapshot")), "still broken, no retry yet");
  assert.ok(!lines.some((l) => l.includes("Attempting compaction")));
  await clock.advance(30_000);
  snap.recordEventClock(3);
  assert.ok(lines.some((l) => l.includes("successfully recovered from error state")));
  snap.recordEventClock(4);
  snap.close();
  assert.equal(
    fs.text(PATH),
    "alive: a 10.0.0.1:7946\nclock: 0\nevent-clock: 3\nquery-clock: 0\nevent-clock: 4\n",
  );
});

Deno.test("nodeSnapshotFs stores snapshots on the real file system", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/snap`;
    const fs = nodeSnapshotFs();
    const clock = new VirtualClock();
    const base = { path, fs, clock, lamport: new LamportClock(1), logger: new Logger({ sink: () => {} }) };
    const snap = Snapshotter.open({ ...base, minCompactSize: 64 });
    for (let lTime = 1; lTime <= 5; lTime++) {
      snap.recordEventClock(lTime); // the fifth line passes 64 bytes: compaction through a rename
      await clock.advance(501);
    }
    snap.close();
    assert.equal(await Deno.readTextFile(path), "clock: 0\nevent-clock: 5\nquery-clock: 0\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["snap"]);
    const again = Snapshotter.open(base);
    assert.equal(again.lastEventClock, 5);
    again.close();
    assert.equal(fs.readFile(`${dir}/missing`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const serf = findSerf();
if (!serf) console.warn("SKIPPED snapshot interop test: /usr/bin/serf is not installed");

Deno.test({
  name: "serf agent replays a snapshot serfts wrote, and serfts reads what it appends",
  ignore: !serf,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/snap`;
    const ghostPort = freePort();
    try {
      const fs = nodeSnapshotFs();
      const mine = Snapshotter.open({
        path,
        fs,
        clock: new VirtualClock(),
        lamport: new LamportClock(8),
        logger: new Logger({ sink: () => {} }),
      });
      mine.recordMemberEvent({ type: "member-join", members: [member("ghost", "127.0.0.1", ghostPort)] });
      mine.recordEventClock(41);
      mine.close();
      const agent = await startSerf(serf!, "snapper", [`-snapshot=${path}`]);
      try {
        const tried = await waitFor(
          () =>
            agent.log().includes(
              `Attempting re-join to previously known node: ghost: 127.0.0.1:${ghostPort}`,
            ),
          10_000,
        );
        assert.ok(tried, agent.log());
        // Serf starts its event clock past the snapshot's, so its first event has LTime 42. Serf
        // writes a buffered line only when another comes 500 ms after its last write: keep sending.
        const written = await waitFor(async () => {
          assert.equal((await agent.cli(["event", "after-restart"])).code, 0);
          return (await Deno.readTextFile(path)).includes("event-clock: 42\n");
        }, 10_000);
        assert.ok(written, await Deno.readTextFile(path));
      } finally {
        await agent.stop();
      }
      const text = await Deno.readTextFile(path);
      const replay = Snapshotter.open({ path, fs, clock: new VirtualClock(), lamport: new LamportClock() });
      assert.ok(replay.lastEventClock >= 42, text);
      assert.ok(replay.aliveNodes().some((n) => n.name === "snapper"), text);
      replay.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("Snapshotter remembers failed members across restarts until they rejoin, leave or are reaped", async () => {
  const first = setup();
  const web = { ...member("web-2", "10.0.0.2"), tags: { role: "web" } };
  first.snap.recordMemberEvent({ type: "member-join", members: [member("a"), web, member("db")] });
  first.snap.recordMemberEvent({ type: "member-failed", members: [web, member("db")] });
  first.snap.recordMemberEvent({ type: "member-reap", members: [member("db")] });
  await first.clock.advance(600);
  first.snap.close();
  const text = first.fs.text(PATH)!;
  // Serf reads the same file: the extra lines are comments and no-ops to it.
  for (const line of text.trimEnd().split("\n")) {
    assert.ok(/^(alive|not-alive|clock|event-clock|query-clock): |^# /.test(line), line);
  }

  const second = setup({ fs: first.fs });
  assert.deepEqual(second.snap.failedNodes().map((r) => [r.name, r.addr, r.tags]), [
    ["web-2", "10.0.0.2:7946", { role: "web" }],
  ]);
  assert.deepEqual(second.snap.aliveNodes().map((n) => n.name), ["a"]);
  second.snap.recordMemberEvent({ type: "member-join", members: [web] });
  second.snap.close();
  assert.deepEqual(setup({ fs: first.fs }).snap.failedNodes(), [], "a rejoin cancels it");
});
