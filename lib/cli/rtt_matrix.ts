/**
 * `serfts rtt -matrix`: the estimated round trip time between every pair of
 * alive members, from the coordinates the agent has cached (one RPC
 * `get-coordinate` per member, as `serf rtt` asks for its two nodes).
 *
 * @module
 */
import { type Coordinate, distanceTo } from "../coordinate/coordinate.ts";
import type { RpcClient } from "../rpc/client.ts";
import { columnize, compareBytes, goFixed } from "./output.ts";

/**
 * The matrix as `-format=json` prints it: `rtt_ms[i][j]` is the estimate from
 * `nodes[i]` to `nodes[j]` in milliseconds (three decimals), `0` on the
 * diagonal, and `null` when either node has no coordinate yet.
 */
export interface RttMatrix {
  nodes: string[];
  rtt_ms: (number | null)[][];
}

/** Milliseconds with three decimals, from Go's whole-nanosecond duration (as `serf rtt` prints). */
export function rttMs(seconds: number): number {
  const ns = Math.trunc(seconds * 1e9);
  return Number(goFixed(ns / 1e6, 3));
}

/** Builds the matrix for `names` from their coordinates (`undefined`: none known). */
export function rttMatrix(names: readonly string[], coords: readonly (Coordinate | undefined)[]): RttMatrix {
  const rows = names.map((_, i) =>
    names.map((__, j) => {
      if (i === j) return 0;
      const a = coords[i];
      const b = coords[j];
      return a && b ? rttMs(distanceTo(a, b)) : null;
    })
  );
  return { nodes: [...names], rtt_ms: rows };
}

/**
 * The matrix as aligned text: a header of node names, one row per node,
 * `-` on the diagonal and `?` where a coordinate is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRttMatrix } from "./rtt_matrix.ts";
 *
 * assert.equal(
 *   formatRttMatrix({ nodes: ["a", "bb"], rtt_ms: [[0, 1.5], [1.5, 0]] }),
 *   "rtt ms  a      bb\na       -      1.500\nbb      1.500  -",
 * );
 * ```
 */
export function formatRttMatrix(m: RttMatrix): string {
  const cell = (v: number | null, i: number, j: number) => i === j ? "-" : v === null ? "?" : goFixed(v, 3);
  const lines = [["rtt ms", ...m.nodes].join("|")];
  m.rtt_ms.forEach((row, i) => lines.push([m.nodes[i]!, ...row.map((v, j) => cell(v, i, j))].join("|")));
  return columnize(lines);
}

/** Reads the alive members and their coordinates over `client`, sorted by name. */
export async function fetchRttMatrix(client: RpcClient): Promise<RttMatrix> {
  const names = (await client.members()).filter((m) => m.status === "alive").map((m) => m.name)
    .sort(compareBytes);
  const coords: (Coordinate | undefined)[] = [];
  for (const name of names) coords.push(await client.getCoordinate(name));
  return rttMatrix(names, coords);
}
