/**
 * Plain TCP on Deno (`Deno.listen` / `Deno.connect`) for the RPC endpoint; see
 * `tcp_listener.ts` for the shape and `detect.ts` for how it is chosen.
 *
 * @module
 */
import type { Address } from "../util/addr.ts";
import type { Clock } from "../util/clock.ts";
import { closeQuietly, DenoStream } from "./deno_stream.ts";
import { PendingDials } from "./pending_dials.ts";
import { deliverStream, dialFailure, type StreamListener, type StreamNetwork } from "./tcp_listener.ts";
import type { ListenOptions, Stream, StreamHandler } from "./transport.ts";

/** How long to back off after a failed accept (EMFILE) instead of spinning. */
const ACCEPT_BACKOFF_MS = 50;

function listen(options: ListenOptions, onStream: StreamHandler, clock: Clock): Promise<StreamListener> {
  const listener = Deno.listen({ hostname: options.host, port: options.port, transport: "tcp" });
  const addr = listener.addr as Deno.NetAddr;
  const streams = new Set<DenoStream>();
  let closed = false;
  const loop = (async () => {
    while (!closed) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        if (closed) return;
        await clock.sleep(ACCEPT_BACKOFF_MS);
        continue;
      }
      const stream = new DenoStream(conn, () => streams.delete(stream));
      deliverStream(streams, stream, onStream);
    }
  })();
  return Promise.resolve({
    localAddress: { host: addr.hostname, port: addr.port },
    async close() {
      if (closed) return;
      closed = true;
      closeQuietly(listener);
      const pending: Promise<unknown>[] = [loop];
      for (const s of streams) {
        s.close();
        pending.push(s.settled());
      }
      await Promise.allSettled(pending);
    },
  });
}

async function dial(to: Address, timeoutMs: number, clock: Clock): Promise<Stream> {
  try {
    return await new PendingDials(clock).dial(to, timeoutMs, async (signal) => {
      const conn = await Deno.connect({ hostname: to.host, port: to.port, transport: "tcp", signal });
      return new DenoStream(conn, () => {});
    });
  } catch (err) {
    throw dialFailure(to, err);
  }
}

/** Deno's plain TCP. */
export const denoStreamNetwork: StreamNetwork = { listen, dial };
