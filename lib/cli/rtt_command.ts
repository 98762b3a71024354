/**
 * `serfts rtt`: estimates the round trip time between two nodes (or a node and
 * the agent itself) from Serf's Vivaldi network coordinates.
 *
 * @module
 */
import { distanceTo } from "../coordinate/coordinate.ts";
import { type CliCommand, orFail, rpcCommand, usageError } from "./command.ts";
import { goQuote } from "../util/go_quote.ts";
import { formatOutput, goFixed } from "./output.ts";
import { fetchRttMatrix, formatRttMatrix } from "./rtt_matrix.ts";

const HELP = `Usage: serfts rtt [options] node1 [node2]
       serfts rtt -matrix [-format=text|json] [options]

  Estimates the round trip time between two nodes from Serf's network
  coordinates.

  Give one or two node names; with one, the other is the agent's own node.
  These are Serf node names as "serfts members" lists them, not addresses.

  With -matrix, prints the estimate between every pair of alive members
  instead, in milliseconds (row to column; "-" on the diagonal, "?" for a
  node without a coordinate yet). Works against serf agents too.

Options:

  -matrix                   All-pairs table of the alive members (serfts only).

  -format=text              With -matrix: 'text' (aligned table) or 'json'
                            ({"nodes": [...], "rtt_ms": [[...], ...]}, null
                            where a coordinate is missing).

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.

  -rpc-auth=""              RPC auth token of the Serf agent.`;

/**
 * Milliseconds as Serf prints them: the distance is first truncated to whole
 * nanoseconds (a Go `time.Duration`), then shown with three decimals.
 */
export function formatRttMs(seconds: number): string {
  const ns = Math.trunc(seconds * 1e9);
  const secs = Math.trunc(ns / 1e9) + (ns % 1e9) / 1e9;
  return `${goFixed(secs * 1000, 3)} ms`;
}

export const rttCommand: CliCommand = rpcCommand({
  synopsis: "Estimates network round trip time between nodes",
  help: HELP,
  flags: {
    matrix: { kind: "bool", usage: "all-pairs matrix" },
    format: { kind: "string", usage: "output format of -matrix", default: "text" },
  },
  prepare(flags, ui) {
    if (flags.values.matrix === true && flags.args.length > 0) {
      return usageError(ui, "-matrix takes no node names", HELP);
    }
    if (!["text", "json"].includes(String(flags.values.format))) {
      ui.error(`Invalid output format "${flags.values.format}": use text or json`);
      return 1;
    }
  },
  async run({ client, flags, ui }) {
    if (flags.values.matrix === true) {
      const matrix = await orFail(ui, "Error getting coordinates", fetchRttMatrix(client));
      ui.output(formatOutput(String(flags.values.format), () => matrix, () => formatRttMatrix(matrix)));
      return 0;
    }
    const nodes = [...flags.args];
    if (nodes.length === 1) {
      nodes.push((await orFail(ui, "Error querying agent", client.stats())).agent?.name ?? "");
    } else if (nodes.length !== 2) {
      return usageError(ui, "One or two node names must be specified", HELP);
    }
    const coords = [];
    for (const node of nodes) {
      const coord = await orFail(ui, "Error getting coordinates", client.getCoordinate(node));
      if (!coord) {
        ui.error(`Could not find a coordinate for node ${goQuote(node)}`);
        return 1;
      }
      coords.push(coord);
    }
    const rtt = formatRttMs(distanceTo(coords[0]!, coords[1]!));
    ui.output(`Estimated ${nodes[0]} <-> ${nodes[1]} rtt: ${rtt}`);
    return 0;
  },
});
