/**
 * `serfts rtt`: estimates the round trip time between two nodes (or a node and
 * the agent itself) from Serf's Vivaldi network coordinates.
 *
 * @module
 */
import { distanceTo } from "../coordinate/coordinate.ts";
import { type CliCommand, orFail, rpcCommand, usageError } from "./command.ts";
import { goQuote } from "../util/go_quote.ts";
import { goFixed } from "./output.ts";

const HELP = `Usage: serfts rtt [options] node1 [node2]

  Estimates the round trip time between two nodes from Serf's network
  coordinates.

  Give one or two node names; with one, the other is the agent's own node.
  These are Serf node names as "serfts members" lists them, not addresses.

Options:

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
  async run({ client, flags, ui }) {
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
