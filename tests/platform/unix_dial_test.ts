/**
 * Platform.dialUnix, the seam the syslog writer sends through, under Deno and
 * (in a child process) under Bun: a datagram dial reaches a datagram socket
 * and nothing else, a stream dial a stream socket, and a missing socket fails.
 */
import assert from "node:assert/strict";
import { denoPlatform } from "../../lib/platform/deno.ts";

const bunPath = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const scriptPath = new URL("./_unix_dial_script.ts", import.meta.url).pathname;
const haveBun = (() => {
  try {
    return Deno.statSync(bunPath).isFile;
  } catch {
    return false;
  }
})();
if (!haveBun) console.warn(`unix_dial_test: Bun case SKIPPED: no Bun binary at ${bunPath} (run npm install)`);

/** A datagram socket and a stream socket in a temp dir, recording what arrives. */
async function withSockets(
  fn: (paths: { gram: string; stream: string; missing: string }, got: () => string[]) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "serfts-unix-dial-" });
  const gram = `${dir}/gram.sock`;
  const stream = `${dir}/stream.sock`;
  const got: string[] = [];
  const dgram = Deno.listenDatagram({ transport: "unixpacket", path: gram });
  const listener = Deno.listen({ transport: "unix", path: stream });
  const decoder = new TextDecoder();
  const dgramLoop = (async () => {
    try {
      for (;;) got.push(`gram: ${decoder.decode((await dgram.receive())[0])}`);
    } catch {
      // closed
    }
  })();
  const conns: Deno.Conn[] = [];
  const acceptLoop = (async () => {
    const reads: Promise<void>[] = [];
    try {
      for await (const conn of listener) {
        conns.push(conn);
        reads.push((async () => {
          try {
            for await (const chunk of conn.readable) got.push(`stream: ${decoder.decode(chunk)}`);
          } catch {
            // closed
          }
        })());
      }
    } catch {
      // closed
    }
    await Promise.all(reads);
  })();
  try {
    await fn({ gram, stream, missing: `${dir}/missing.sock` }, () => got);
  } finally {
    dgram.close();
    listener.close();
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // the reader already closed it
      }
    }
    await dgramLoop;
    await acceptLoop;
    await Deno.remove(dir, { recursive: true });
  }
}

async function waitFor(pred: () => boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end && !pred()) await new Promise((r) => setTimeout(r, 20));
  return pred();
}

Deno.test("Deno dialUnix: datagram and stream dials reach only their own socket type", async () => {
  const platform = denoPlatform();
  await withSockets(async ({ gram, stream, missing }, got) => {
    const g = await platform.dialUnix(gram, "unixgram");
    await g.send(new TextEncoder().encode("deno unixgram\n"));
    g.close();
    const s = await platform.dialUnix(stream, "unix");
    await s.send(new TextEncoder().encode("deno unix\n"));
    s.close();
    await assert.rejects(platform.dialUnix(stream, "unixgram"), { code: "EPROTOTYPE" });
    await assert.rejects(platform.dialUnix(gram, "unix"));
    await assert.rejects(platform.dialUnix(missing, "unixgram"));
    await assert.rejects(platform.dialUnix(missing, "unix"));
    assert.ok(await waitFor(() => got().length === 2, 5_000), got().join(""));
    assert.deepEqual(got().sort(), ["gram: deno unixgram\n", "stream: deno unix\n"]);
    assert.equal(platform.pid(), Deno.pid);
  });
});

Deno.test({
  name: "Bun dialUnix (bun:ffi datagrams, node:net streams) reaches only its own socket type",
  ignore: !haveBun,
  async fn() {
    await withSockets(async ({ gram, stream, missing }, got) => {
      const out = await new Deno.Command(bunPath, {
        args: ["run", scriptPath, gram, stream, missing],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
      const report = JSON.parse(text);
      // Bun's node:net words a stream connect to a datagram socket as ECONNREFUSED.
      assert.match(report.result["gram-as-stream"], /^(EPROTOTYPE|ECONNREFUSED)$/);
      delete report.result["gram-as-stream"];
      assert.deepEqual(report, {
        pid: true,
        result: {
          "gram-as-gram": "ok",
          "stream-as-gram": "EPROTOTYPE",
          "stream-as-stream": "ok",
          "missing-as-gram": "ENOENT",
          "missing-as-stream": "ENOENT",
        },
      });
      assert.ok(await waitFor(() => got().length === 2, 5_000), got().join(""));
      assert.deepEqual(got().sort(), ["gram: bun unixgram\n", "stream: bun unix\n"]);
    });
  },
});
