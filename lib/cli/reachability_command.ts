/**
 * `serfts reachability`: pings every member through Serf's internal
 * `_serf_ping` query and reports which live members did not acknowledge it
 * (lost gossip) or which non-live members did (false failure detection).
 *
 * @module
 */
import { type CliCommand, orFail, rpcCommand } from "./command.ts";
import { goFixed } from "./output.ts";

const HELP = `Usage: serfts reachability [options]

  Tests whether every live member can be reached from this node.

Options:

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.
  -verbose                  Show every ack and the timings`;

// Serf prints these advice texts verbatim; operators and scripts know them.
const TOO_MANY_ACKS =
  "This could mean Serf is detecting false-failures due to a misconfiguration or network issue.";
const TOO_FEW_ACKS =
  "This could mean Serf gossip packets are being lost due to a misconfiguration or network issue.";
const DUPLICATE_RESPONSES =
  "Duplicate responses means there is a misconfiguration. Verify that node names are unique.";
const TROUBLESHOOTING = `
Troubleshooting tips:
* Ensure that the bind addr:port is accessible by all other nodes
* If an advertise address is set, ensure it routes to the bind address
* Check that no nodes are behind a NAT
* If nodes are behind firewalls or iptables, check that Serf traffic is permitted (UDP and TCP)
* Verify networking equipment is functional`;

export const reachabilityCommand: CliCommand = rpcCommand({
  synopsis: "Test network reachability",
  help: HELP,
  flags: { verbose: { kind: "bool", usage: "verbose mode" } },
  interruptible: true,
  async run({ client, flags, ui, interrupted }) {
    const verbose = flags.values.verbose === true;
    const members = await orFail(ui, "Error getting members", client.members());
    const live = new Set(members.filter((m) => m.status === "alive").map((m) => m.name));
    ui.output(`Total members: ${members.length}, live members: ${live.size}`);

    const acksFrom = new Set<string>();
    let numAcks = 0;
    let dups = false;
    const start = performance.now();
    let last = start;
    const done = client.query({ name: "_serf_ping", requestAck: true }, {
      onStarted: () => ui.output("Starting reachability test..."),
      onAck: (from) => {
        if (verbose) ui.output(`\tAck from '${from}'`);
        numAcks++;
        if (acksFrom.has(from)) {
          dups = true;
          ui.output(`Duplicate response from '${from}'`);
        }
        acksFrom.add(from);
        last = performance.now();
      },
    });
    const outcome = await orFail(
      ui,
      "Error sending query",
      Promise.race([done.then(() => "done" as const), interrupted.then(() => "stop" as const)]),
    );
    if (outcome === "stop") {
      ui.error("Test interrupted");
      return 1;
    }
    if (verbose) {
      const total = goFixed((performance.now() - start) / 1000, 2);
      const toLast = goFixed((last - start) / 1000, 2);
      ui.output(`Query time: ${total} sec, time to last response: ${toLast} sec`);
    }
    let exit = 0;
    if (dups) {
      ui.output(DUPLICATE_RESPONSES);
      exit = 1;
    }
    if (numAcks === live.size) {
      ui.output("Successfully contacted all live nodes");
    } else if (numAcks > live.size) {
      ui.output("Received more acks than live nodes! Acks from non-live nodes:");
      for (const m of acksFrom) if (!live.has(m)) ui.output(`\t${m}`);
      ui.output(TOO_MANY_ACKS);
      ui.output(TROUBLESHOOTING);
      return 1;
    } else {
      ui.output("Received less acks than live nodes! Missing acks from:");
      for (const m of live) if (!acksFrom.has(m)) ui.output(`\t${m}`);
      ui.output(TOO_FEW_ACKS);
      ui.output(TROUBLESHOOTING);
      return 1;
    }
    return exit;
  },
});
