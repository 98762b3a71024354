import assert from "node:assert/strict";
import type { UnixLogSocket, UnixSocketType } from "../../lib/platform/platform.ts";
import {
  DEFAULT_SYSLOG_PATHS,
  dialSyslog,
  NO_SYSLOG_ERROR,
  SyslogWriter,
} from "../../lib/agent/syslog_writer.ts";
import { waitUntil } from "./_records.ts";

/**
 * An in-memory local socket world: `listening` says which (path, type) pairs
 * accept a dial; each connected socket records what it was sent, and can be
 * made to fail or to hang.
 */
class FakeSockets {
  listening = new Set<string>();
  dials: string[] = [];
  sockets: FakeSocket[] = [];
  readonly dial = (path: string, type: UnixSocketType): Promise<UnixLogSocket> => {
    this.dials.push(`${type}:${path}`);
    if (!this.listening.has(`${type}:${path}`)) {
      return Promise.reject(Object.assign(new Error(`dial ${type} ${path}: ENOENT`), { code: "ENOENT" }));
    }
    const s = new FakeSocket(path, type);
    this.sockets.push(s);
    return Promise.resolve(s);
  };
}

class FakeSocket implements UnixLogSocket {
  sent: string[] = [];
  closed = false;
  mode: "ok" | "fail" | "hang" = "ok";
  #hanging: (() => void)[] = [];
  constructor(readonly path: string, readonly type: UnixSocketType) {}
  send(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error("closed"));
    if (this.mode === "fail") return Promise.reject(new Error("ECONNREFUSED"));
    if (this.mode === "hang") {
      return new Promise((_, reject) => this.#hanging.push(() => reject(new Error("closed"))));
    }
    this.sent.push(new TextDecoder().decode(data));
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
    for (const r of this.#hanging.splice(0)) r();
  }
}

const LINE = "2026/12/02 05:10:00 [INFO] agent: Serf agent starting";

Deno.test("dialSyslog tries every path as a datagram socket before any as a stream socket", async () => {
  const net = new FakeSockets();
  net.listening.add("unix:/dev/log");
  net.listening.add("unixgram:/var/run/log");
  const s = await dialSyslog(net.dial, DEFAULT_SYSLOG_PATHS);
  assert.equal(`${s.type}:${s.path}`, "unixgram:/var/run/log");
  assert.deepEqual(net.dials, ["unixgram:/dev/log", "unixgram:/var/run/syslog", "unixgram:/var/run/log"]);

  net.listening.delete("unixgram:/var/run/log");
  net.dials = [];
  const t = await dialSyslog(net.dial, DEFAULT_SYSLOG_PATHS);
  assert.equal(`${t.type}:${t.path}`, "unix:/dev/log");
  assert.deepEqual(net.dials, [
    "unixgram:/dev/log",
    "unixgram:/var/run/syslog",
    "unixgram:/var/run/log",
    "unix:/dev/log",
  ]);
});

Deno.test("SyslogWriter.open fails with go-syslog's text when no socket answers", async () => {
  const net = new FakeSockets();
  await assert.rejects(SyslogWriter.open({ dial: net.dial, facility: 16, pid: 1 }), {
    message: NO_SYSLOG_ERROR,
  });
  assert.equal(net.dials.length, 6);
  assert.equal(NO_SYSLOG_ERROR, "Unix syslog delivery error");
});

Deno.test("SyslogWriter sends each line as one go-syslog message with facility and level", async () => {
  const net = new FakeSockets();
  net.listening.add("unixgram:/s");
  const w = await SyslogWriter.open({
    dial: net.dial,
    facility: 17,
    pid: 99,
    paths: ["/s"],
    now: () => new Date(2026, 11, 2, 5, 10, 0).getTime(),
  });
  w.write(LINE);
  w.write("2026/12/02 05:10:00 [ERR] agent: bad");
  await w.close();
  assert.deepEqual(net.sockets[0]!.sent, [
    "<141>Dec  2 05:10:00 serf[99]: agent: Serf agent starting\n",
    "<139>Dec  2 05:10:00 serf[99]: agent: bad\n",
  ]);
  assert.equal(net.sockets[0]!.closed, true);
  w.write(LINE); // after close: ignored, no throw
  assert.equal(net.sockets[0]!.sent.length, 2);
});

Deno.test("SyslogWriter redials and retries once when a send fails, as go-syslog does", async () => {
  const net = new FakeSockets();
  net.listening.add("unixgram:/a");
  net.listening.add("unixgram:/b");
  const w = await SyslogWriter.open({ dial: net.dial, facility: 16, pid: 1, paths: ["/a", "/b"] });
  net.sockets[0]!.mode = "fail";
  net.listening.delete("unixgram:/a"); // the daemon restarted elsewhere
  w.write(LINE);
  assert.ok(await waitUntil(() => net.sockets.length === 2 && net.sockets[1]!.sent.length === 1, 2_000));
  assert.equal(net.sockets[0]!.closed, true);
  assert.equal(net.sockets[1]!.path, "/b");
  assert.equal(w.dropped, 0);
  await w.close();
});

Deno.test("SyslogWriter drops lines, without throwing, while no daemon is reachable", async () => {
  const net = new FakeSockets();
  net.listening.add("unixgram:/a");
  const w = await SyslogWriter.open({ dial: net.dial, facility: 16, pid: 1, paths: ["/a"] });
  net.sockets[0]!.mode = "fail";
  net.listening.clear();
  w.write(LINE);
  w.write(LINE);
  assert.ok(await waitUntil(() => w.dropped === 2, 2_000));
  assert.equal(w.socket, undefined);
  // The daemon comes back: the next line redials and gets through.
  net.listening.add("unixgram:/a");
  w.write(LINE);
  assert.ok(await waitUntil(() => net.sockets.length === 2 && net.sockets[1]!.sent.length === 1, 2_000));
  await w.close();
});

Deno.test("SyslogWriter bounds its queue and abandons a send that hangs", async () => {
  const net = new FakeSockets();
  net.listening.add("unixgram:/a");
  const w = await SyslogWriter.open({
    dial: net.dial,
    facility: 16,
    pid: 1,
    paths: ["/a"],
    maxQueued: 3,
    sendTimeoutMs: 50,
  });
  net.sockets[0]!.mode = "hang";
  for (let i = 0; i < 10; i++) w.write(`${LINE} ${i}`); // returns at once: the caller never waits
  // The first line is in flight, three wait, six are dropped at once.
  assert.equal(w.dropped, 6);
  // The hung socket is abandoned after the timeout; the redial gets a working socket.
  assert.ok(await waitUntil(() => net.sockets.length >= 2, 2_000));
  assert.equal(net.sockets[0]!.closed, true);
  assert.ok(await waitUntil(() => net.sockets.at(-1)!.sent.length === 4, 2_000));
  assert.deepEqual(net.sockets.at(-1)!.sent.map((s) => s.split(" ").at(-1)), ["0\n", "1\n", "2\n", "3\n"]);
  await w.close();
});

Deno.test("SyslogWriter.close gives up on a hung daemon after its grace period", async () => {
  const net = new FakeSockets();
  net.listening.add("unixgram:/a");
  const w = await SyslogWriter.open({ dial: net.dial, facility: 16, pid: 1, paths: ["/a"] });
  net.sockets[0]!.mode = "hang";
  w.write(LINE);
  await w.close(20);
  assert.equal(net.sockets[0]!.closed, true);
  assert.ok(net.sockets.every((s) => s.closed));
});
