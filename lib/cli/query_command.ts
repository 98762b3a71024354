/**
 * `serfts query`: sends a query through the agent and prints acks and
 * responses as they arrive (text), or all of them at the end (JSON).
 *
 * @module
 */
import { parseTagFlags } from "../agent/config.ts";
import { parseGoDuration } from "../util/duration.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, orFail, rpcCommand, usageError } from "./command.ts";
import { bytesText, formatOutput, sortedMap } from "./output.ts";

const HELP = `Usage: serfts query [options] name payload

  Sends a query to the Serf cluster and shows the answers.

Options:

  -format                   Output format: 'text' (default) or 'json'.

  -node=NAME                Only this node answers. Repeat for several nodes.

  -tag key=regexp           Only nodes whose tag matches the regexp answer.
                            Repeat for several tags.

  -timeout="15s"            How long to wait for answers at most, instead of
                            the agent's default for the cluster size. A serfts
                            agent ends the query as soon as every member the
                            filters matched has answered (and acked).

  -wait-timeout             Wait the whole timeout even when everyone has
                            answered, as Serf does.

  -no-ack                   Do not ask nodes to acknowledge the query.

  -relay-factor             Also relay each response through this many other
                            nodes, for redundancy.

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.

  -rpc-auth=""              RPC auth token of the Serf agent.`;

export const queryCommand: CliCommand = rpcCommand({
  synopsis: "Send a query to the Serf cluster",
  help: HELP,
  flags: {
    node: { kind: "list", usage: "node filter" },
    tag: { kind: "list", usage: "tag filter" },
    timeout: { kind: "string", usage: "query timeout", default: "0s" },
    "no-ack": { kind: "bool", usage: "no-ack" },
    format: { kind: "string", usage: "output format", default: "text" },
    "relay-factor": { kind: "int", usage: "response relay count", default: 0 },
    "wait-timeout": { kind: "bool", usage: "wait the whole timeout" },
  },
  interruptible: true,
  prepare(flags, ui, platform) {
    const v = flags.values;
    let timeoutMs: number;
    try {
      timeoutMs = parseGoDuration(String(v.timeout));
    } catch {
      platform.writeStderr(`invalid value "${v.timeout}" for flag -timeout: parse error\n`);
      ui.output(HELP);
      return 1;
    }
    let filterTags: Record<string, string>;
    try {
      filterTags = parseTagFlags(v.tag as string[]);
    } catch (err) {
      ui.error(`Error: ${errorMessage(err)}`);
      return 1;
    }
    if (flags.args.length < 1) return usageError(ui, "A query name must be specified.", HELP);
    if (flags.args.length > 2) {
      return usageError(
        ui,
        "Too many command line arguments. Only a name and payload must be specified.",
        HELP,
      );
    }
    const relayFactor = Number(v["relay-factor"]);
    if (relayFactor > 255 || relayFactor < 0) {
      ui.error("Relay factor must be between 0 and 255");
      return 1;
    }
    const [name, payload = ""] = flags.args as [string, string?];
    return { timeoutMs, filterTags, relayFactor, name, payload };
  },
  async run({ client, flags, ui, prepared: p, interrupted }) {
    const v = flags.values;
    const noAck = v["no-ack"] === true;
    const format = String(v.format);
    if (format !== "text" && format !== "json") {
      ui.error(`Invalid format: ${format}`);
      return 1;
    }
    const text = format === "text";
    const acks: string[] = [];
    const responses: Record<string, string> = {};
    let numResp = 0;
    const done = client.query({
      filterNodes: v.node as string[],
      filterTags: p.filterTags,
      requestAck: !noAck,
      relayFactor: p.relayFactor,
      timeoutMs: p.timeoutMs,
      waitTimeout: v["wait-timeout"] === true,
      name: p.name,
      payload: new TextEncoder().encode(p.payload),
    }, {
      onStarted: () => text && ui.output(`Query '${p.name}' dispatched`),
      onAck: (from) => {
        acks.push(from);
        if (text) ui.info(`Ack from '${from}'`);
      },
      onResponse: (r) => {
        numResp++;
        responses[r.from] = bytesText(r.payload);
        const shown = r.payload.at(-1) === 0x0a ? r.payload.subarray(0, -1) : r.payload;
        if (text) ui.info(`Response from '${r.from}': ${bytesText(shown)}`);
      },
    });
    const outcome = await orFail(
      ui,
      "Error sending query",
      Promise.race([done.then(() => "done" as const), interrupted.then(() => "stop" as const)]),
    );
    if (outcome === "stop") return 1;
    if (text) {
      if (!noAck) ui.output(`Total Acks: ${acks.length}`);
      ui.output(`Total Responses: ${numResp}`);
    } else {
      ui.output(
        formatOutput(
          "json",
          () => ({ Acks: acks.length > 0 ? acks : null, Responses: sortedMap(responses) }),
          () => "",
        ),
      );
    }
    return 0;
  },
});
