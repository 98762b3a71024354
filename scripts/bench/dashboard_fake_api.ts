/**
 * A stand-in for the agent's HTTP API with a cluster of any size, for measuring
 * the dashboard at 500 members without starting 500 agents: it serves the real
 * dashboard assets and answers `/v1/members`, `/v1/coordinates`, `/v1/stats`,
 * `/v1/events` (pushed by the caller) and `POST /v1/event` in the contract's
 * shapes. Coordinates come from a seeded generator: nodes in a few "sites",
 * a few milliseconds apart inside a site and tens between sites.
 *
 * @module
 */
import { DASHBOARD_ASSETS } from "../../lib/http/dashboard_assets.ts";
import type { ApiMember } from "../../lib/http/api_types.ts";
import { type Random, SeededRandom } from "../../lib/util/random.ts";

/** Options of {@linkcode startFakeApi}. */
export interface FakeApiOptions {
  /** Cluster size. @default {500} */
  members: number;
  /** Sites the nodes are spread over. @default {5} */
  sites: number;
  /** RNG seed, so every run draws the same cluster. @default {14} */
  seed: number;
  /** Names to use for the first members (e.g. hostile ones for a test); the rest are node-NNN. @default {[]} */
  names: string[];
}

/** Defaults of {@linkcode FakeApiOptions}. */
export const DEFAULT_FAKE_API_OPTIONS: Readonly<FakeApiOptions> = {
  members: 500,
  sites: 5,
  seed: 14,
  names: [],
};

/** A running fake API. */
export interface FakeApi {
  /** `http://127.0.0.1:PORT/`. */
  url: string;
  members: ApiMember[];
  /** Nudges every coordinate a little, as Vivaldi does between polls. */
  moveCoordinates(): void;
  /** Sends one event to every open `/v1/events` stream. */
  push(type: string, data: unknown): void;
  /** Ends every open `/v1/events` stream, as an agent restart would. */
  endStreams(): void;
  /** Open event streams. */
  streams(): number;
  /** User events POSTed to `/v1/event`. */
  posted: unknown[];
  close(): Promise<void>;
}

/** Starts the fake API on a free loopback port. */
export function startFakeApi(options: Partial<FakeApiOptions> = {}): FakeApi {
  const o = { ...DEFAULT_FAKE_API_OPTIONS, ...options };
  const rng = new SeededRandom(o.seed);
  const centres = Array.from({ length: o.sites }, () => vector(rng, 0.03));
  const members: ApiMember[] = [];
  const coordinates: Array<
    { Node: string; Coord: { Vec: number[]; Error: number; Adjustment: number; Height: number } }
  > = [];
  for (let i = 0; i < o.members; i++) {
    const site = i % o.sites;
    const name = o.names[i] ?? `node-${String(i).padStart(3, "0")}`;
    members.push({
      Name: name,
      Addr: `10.${site}.${Math.floor(i / 250)}.${i % 250 + 1}`,
      Port: 7946,
      Tags: { role: i % 3 === 0 ? "db" : "web", site: `site-${site}` },
      Status: "alive",
      ProtocolMin: 1,
      ProtocolMax: 5,
      ProtocolCur: 2,
      DelegateMin: 2,
      DelegateMax: 5,
      DelegateCur: 4,
    });
    const jitter = vector(rng, 0.002);
    coordinates.push({
      Node: name,
      Coord: {
        Vec: centres[site]!.map((c, k) => c + jitter[k]!),
        Error: 0.1 + rng.next() * 0.2,
        Adjustment: (rng.next() - 0.5) * 0.0002,
        Height: 0.0001 + rng.next() * 0.0005,
      },
    });
  }
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const posted: unknown[] = [];
  const encoder = new TextEncoder();
  const json = (value: unknown, status = 200) =>
    new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const asset = DASHBOARD_ASSETS.get(path);
    if (asset && req.method === "GET") {
      return new Response(asset.body, { headers: { "Content-Type": asset.contentType } });
    }
    switch (`${req.method} ${path}`) {
      case "GET /v1/members":
        return json(members);
      case "GET /v1/coordinates":
        return json(coordinates);
      case "GET /v1/stats":
        return json({ agent: { name: members[0]?.Name ?? "" }, serf: { health_score: "0" } });
      case "POST /v1/event": {
        const body = await req.json().catch(() => undefined) as { Name?: string } | undefined;
        if (!body?.Name) return json({ error: "missing event name" }, 400);
        posted.push(body);
        return json({ Name: body.Name });
      }
      case "GET /v1/events": {
        let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            mine = controller;
            streams.add(controller);
            controller.enqueue(encoder.encode(": connected\n\n"));
          },
          cancel() {
            if (mine) streams.delete(mine);
          },
        });
        return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
      }
    }
    return json({ error: `no such endpoint: ${req.method} ${path}` }, 404);
  });
  function endStreams(): void {
    for (const s of streams) {
      try {
        s.close();
      } catch {
        // already closed by the client
      }
    }
    streams.clear();
  }
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    members,
    posted,
    moveCoordinates() {
      for (const { Coord } of coordinates) Coord.Vec = Coord.Vec.map((x) => x + (rng.next() - 0.5) * 0.0002);
    },
    push(type, data) {
      const bytes = encoder.encode(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      for (const s of streams) {
        try {
          s.enqueue(bytes);
        } catch {
          streams.delete(s);
        }
      }
    },
    streams: () => streams.size,
    endStreams,
    async close() {
      endStreams();
      await server.shutdown();
    },
  };
}

function vector(rng: Random, spread: number): number[] {
  return Array.from({ length: 8 }, () => (rng.next() - 0.5) * 2 * spread);
}
