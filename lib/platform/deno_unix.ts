/**
 * Local (unix domain) sockets for log output under Deno: a datagram or stream
 * connection to a syslog daemon's socket such as `/dev/log`.
 *
 * Deno has no connected datagram socket: `Deno.listenDatagram` (unstable net,
 * enabled in deno.json) binds a path and sends to an address. So a datagram
 * "dial" binds a throwaway path in a fresh temp directory, removes it at once
 * (sending needs no name; the daemon never replies), and sends each message to
 * `path`. Whether `path` is a datagram socket is checked the way the kernel
 * answers a stream connect: "wrong type" means a datagram socket listens there.
 *
 * @module
 */
import type { UnixLogSocket } from "./platform.ts";

/** EPROTOTYPE on Linux (91) and the BSDs/macOS (41), as Deno words it. */
const WRONG_TYPE = /os error (91|41)\b|wrong type/i;

/** Opens a connection to the local socket at `path`, as Go's `net.Dial(type, path)`. */
export function dialDenoUnix(path: string, type: "unixgram" | "unix"): Promise<UnixLogSocket> {
  return type === "unix" ? dialStream(path) : dialDatagram(path);
}

async function dialStream(path: string): Promise<UnixLogSocket> {
  const conn = await Deno.connect({ transport: "unix", path });
  let closed = false;
  return {
    path,
    type: "unix",
    async send(data) {
      let off = 0;
      while (off < data.length) off += await conn.write(data.subarray(off));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // already closed by the peer
      }
    },
  };
}

async function dialDatagram(path: string): Promise<UnixLogSocket> {
  await expectDatagramPeer(path);
  if (typeof Deno.listenDatagram !== "function") {
    throw new Error("Cannot send unix datagrams: run Deno with --unstable-net (deno.json enables it)");
  }
  const dir = await Deno.makeTempDir({ prefix: "serfts-syslog-" });
  let conn: Deno.DatagramConn;
  try {
    conn = Deno.listenDatagram({ transport: "unixpacket", path: `${dir}/s` });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  let closed = false;
  const to: Deno.UnixAddr = { transport: "unixpacket", path };
  return {
    path,
    type: "unixgram",
    async send(data) {
      await conn.send(data, to);
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // already closed
      }
    },
  };
}

/** Resolves when a datagram socket listens at `path`; rejects as a datagram dial would fail. */
async function expectDatagramPeer(path: string): Promise<void> {
  let stream: Deno.Conn;
  try {
    stream = await Deno.connect({ transport: "unix", path });
  } catch (err) {
    if (WRONG_TYPE.test(String((err as Error).message))) return;
    throw err;
  }
  stream.close();
  throw Object.assign(new Error(`dial unixgram ${path}: protocol wrong type for socket`), {
    code: "EPROTOTYPE",
  });
}
