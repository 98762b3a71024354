/**
 * Connected unix datagram sockets under Bun, for log output to a syslog
 * daemon (`/dev/log`). Bun's `node:dgram` has no unix datagrams and its
 * `Bun.udpSocket` speaks only IP, so this calls libc through `bun:ffi`:
 * `socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK)`, `connect`, and `send` with
 * `MSG_DONTWAIT`, so a busy or vanished daemon makes a send fail at once
 * instead of blocking the agent. Linux only (the `sockaddr_un` layout and
 * flag values below are Linux's); elsewhere the dial fails and the caller
 * moves on to stream sockets, as go-syslog does.
 *
 * @module
 */
import type { UnixLogSocket } from "./platform.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
/** sizeof(struct sockaddr_un) on Linux: a 2-byte family and a 108-byte path. */
const SOCKADDR_UN_SIZE = 110;
const ERRNO_NAMES: Record<number, string> = {
  2: "ENOENT",
  11: "EAGAIN",
  13: "EACCES",
  20: "ENOTDIR",
  91: "EPROTOTYPE",
  105: "ENOBUFS",
  111: "ECONNREFUSED",
};

interface LibC {
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, addr: unknown, len: number): number;
  send(fd: number, buf: unknown, len: number, flags: number): number | bigint;
  close(fd: number): number;
  __errno_location(): unknown;
}

interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: LibC };
  ptr(view: Uint8Array): unknown;
  read: { i32(ptr: unknown, offset: number): number };
}

let libc: Promise<{ c: LibC; ffi: BunFfi }> | undefined;

/** Loads libc once. The specifier is a variable so Deno's type check does not try to resolve `bun:ffi`. */
function loadLibc(): Promise<{ c: LibC; ffi: BunFfi }> {
  return libc ??= (async () => {
    const g = globalThis as { Bun?: unknown; process?: { platform?: string } };
    if (!g.Bun || g.process?.platform !== "linux") {
      throw new Error("Cannot send unix datagrams: only Bun on Linux is supported");
    }
    const specifier = "bun:ffi";
    const ffi = await import(specifier) as BunFfi;
    const symbols = {
      socket: { args: ["i32", "i32", "i32"], returns: "i32" },
      connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
      send: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
      close: { args: ["i32"], returns: "i32" },
      __errno_location: { args: [], returns: "ptr" },
    };
    let lastErr: unknown;
    for (const name of ["libc.so.6", "libc.so"]) {
      try {
        return { c: ffi.dlopen(name, symbols).symbols, ffi };
      } catch (err) {
        lastErr = err;
      }
    }
    throw new Error("Cannot send unix datagrams: libc not found", { cause: lastErr });
  })();
}

function errnoError(op: string, path: string, errno: number): Error {
  const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  return Object.assign(new Error(`${op} unixgram ${path}: ${code}`), { code });
}

/** Connects a non-blocking datagram socket to `path`, as Go's `net.Dial("unixgram", path)`. */
export async function dialBunUnixgram(path: string): Promise<UnixLogSocket> {
  const { c, ffi } = await loadLibc();
  const errno = () => ffi.read.i32(c.__errno_location(), 0);
  const encoded = new TextEncoder().encode(path);
  if (encoded.length >= SOCKADDR_UN_SIZE - 2) throw new RangeError(`Cannot dial ${path}: path too long`);
  const addr = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(encoded, 2);
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket", path, errno());
  if (c.connect(fd, ffi.ptr(addr), 2 + encoded.length + 1) < 0) {
    const err = errnoError("dial", path, errno());
    c.close(fd);
    throw err;
  }
  let open = true;
  return {
    path,
    type: "unixgram",
    send(data) {
      if (!open) return Promise.reject(new Error(`write unixgram ${path}: socket closed`));
      // ptr() of an empty view is refused; a log message is never empty anyway.
      const buf = data.length > 0 ? data : new Uint8Array(1);
      const sent = Number(c.send(fd, ffi.ptr(buf), data.length, MSG_DONTWAIT | MSG_NOSIGNAL));
      return sent < 0 ? Promise.reject(errnoError("write", path, errno())) : Promise.resolve();
    },
    close() {
      if (!open) return;
      open = false;
      c.close(fd);
    },
  };
}
