/**
 * A raw RPC session for differential tests: writes request frames exactly as
 * given (so a test can skip the handshake, repeat it, or send an unknown
 * command) and reads back decoded objects, telling a reply from a closed
 * connection. Every read is bounded.
 */
import { decodeMsgpackPrefix } from "../../lib/codec/msgpack.ts";
import type { MsgpackEncodable } from "../../lib/codec/msgpack_encode.ts";
import { encodeRpcFrame, requestHeaderValue } from "../../lib/rpc/protocol.ts";

/** How long one read waits before the test gives up on an answer. */
const READ_TIMEOUT_MS = 10_000;

/** What came back: the decoded objects (header, body, ...) or "closed" once the agent hung up. */
export type RawReply = unknown[] | "closed";

/** One TCP connection to an RPC address. */
export class RawRpc implements AsyncDisposable {
  readonly #conn: Deno.Conn;
  #buf = new Uint8Array();
  #closed = false;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Connects to `addr` (`host:port`). */
  static async connect(addr: string): Promise<RawRpc> {
    const [host, port] = addr.split(":");
    return new RawRpc(await Deno.connect({ hostname: host!, port: Number(port) }));
  }

  /** Sends a request header for `command` with `seq`, then `body` when given. */
  async send(command: string, seq: number, body?: MsgpackEncodable): Promise<void> {
    const frame = body === undefined
      ? encodeRpcFrame(requestHeaderValue({ command, seq }))
      : encodeRpcFrame(requestHeaderValue({ command, seq }), body);
    await this.#conn.write(frame);
  }

  /** Reads `count` objects, or reports "closed" when the agent hangs up first. */
  async read(count: number): Promise<RawReply> {
    const out: unknown[] = [];
    while (out.length < count) {
      const decoded = this.#tryDecode();
      if (decoded !== undefined) {
        out.push(decoded);
        continue;
      }
      if (!(await this.#fill())) return "closed";
    }
    return out;
  }

  /**
   * Reads until the response header for `seq` (skipping stream records for
   * other requests, such as a monitor's log lines), at most `limit` objects.
   */
  async readHeader(seq: number, limit = 10_000): Promise<RawReply> {
    for (let i = 0; i < limit; i++) {
      const next = await this.read(1);
      if (next === "closed") return next;
      const seen = (next[0] as { Seq?: unknown }).Seq;
      if (seen !== undefined && Number(seen) === seq) return next;
    }
    throw new Error(`no response header for seq ${seq} in ${limit} objects`);
  }

  /** Sends a request and reads `count` objects of its answer. */
  async call(
    command: string,
    seq: number,
    body: MsgpackEncodable | undefined,
    count: number,
  ): Promise<RawReply> {
    await this.send(command, seq, body);
    return await this.read(count);
  }

  /** Handshakes (version 1) and, with `authKey`, authenticates; throws unless both succeed. */
  async open(authKey?: string): Promise<void> {
    const hs = await this.call("handshake", 0, { Version: 1 }, 1);
    if (errorOf(hs) !== "") throw new Error(`handshake failed: ${JSON.stringify(hs)}`);
    if (authKey === undefined) return;
    const auth = await this.call("auth", 0, { AuthKey: authKey }, 1);
    if (errorOf(auth) !== "") throw new Error(`auth failed: ${JSON.stringify(auth)}`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the agent
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #tryDecode(): unknown {
    if (this.#buf.length === 0) return undefined;
    try {
      const { value, length } = decodeMsgpackPrefix(this.#buf);
      this.#buf = this.#buf.slice(length);
      return value;
    } catch {
      return undefined; // truncated: wait for more bytes
    }
  }

  /** Reads more bytes; false when the connection ended (or nothing came in time). */
  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(64 * 1024);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), READ_TIMEOUT_MS));
    try {
      const n = await Promise.race([this.#conn.read(chunk).catch(() => null), timeout]);
      if (n === null) return false;
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The `Error` of the first (header) object of a reply, or "closed". */
export function errorOf(reply: RawReply): string {
  if (reply === "closed") return "closed";
  const header = reply[0] as { Error?: unknown } | undefined;
  const error = header?.Error;
  return error instanceof Uint8Array ? new TextDecoder().decode(error) : String(error ?? "");
}

/** Makes a decoded reply comparable: byte strings become text, maps get sorted keys. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) value = Object.fromEntries(value);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => [k, plain(v)]),
    );
  }
  return value;
}
