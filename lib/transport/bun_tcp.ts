/**
 * Plain TCP on Bun (`Bun.listen` / `Bun.connect`) for the RPC endpoint; see
 * `tcp_listener.ts` for the shape and `detect.ts` for how it is chosen.
 *
 * @module
 */
import type { Address } from "../util/addr.ts";
import type { Clock } from "../util/clock.ts";
import { BunStream, type BunTcpApi, socketHandlers } from "./bun_stream.ts";
import { PendingDials } from "./pending_dials.ts";
import { deliverStream, dialFailure, type StreamListener, type StreamNetwork } from "./tcp_listener.ts";
import type { ListenOptions, Stream, StreamHandler } from "./transport.ts";

function bunNet(): BunTcpApi {
  return (globalThis as unknown as { Bun: BunTcpApi }).Bun;
}

function listen(options: ListenOptions, onStream: StreamHandler, clock: Clock): Promise<StreamListener> {
  const streams = new Set<BunStream>();
  let closed = false;
  const server = bunNet().listen({
    hostname: options.host,
    port: options.port,
    socket: socketHandlers((socket) => {
      const stream = new BunStream(socket, () => streams.delete(stream));
      socket.data = stream;
      if (closed) return stream.close();
      deliverStream(streams, stream, onStream);
    }),
  });
  return Promise.resolve({
    localAddress: { host: options.host, port: server.port },
    async close() {
      if (closed) return;
      closed = true;
      server.stop(true);
      for (const s of streams) s.close();
      // Let Bun run the close callbacks of the sockets just stopped.
      await clock.sleep(0);
    },
  });
}

async function dial(to: Address, timeoutMs: number, clock: Clock): Promise<Stream> {
  try {
    // Bun.connect cannot be cancelled: PendingDials closes a socket that arrives after the deadline.
    return await new PendingDials(clock).dial(to, timeoutMs, async () => {
      const socket = await bunNet().connect({
        hostname: to.host,
        port: to.port,
        socket: socketHandlers((s) => {
          s.data ??= new BunStream(s, () => {});
        }),
      });
      socket.data ??= new BunStream(socket, () => {});
      return socket.data;
    });
  } catch (err) {
    throw dialFailure(to, err);
  }
}

/** Bun's plain TCP. */
export const bunStreamNetwork: StreamNetwork = { listen, dial };
