/**
 * `serfts members`: lists the agent's members, optionally filtered by tag,
 * status and name regular expressions, as aligned text or JSON.
 *
 * @module
 */
import { parseTagFlags } from "../agent/config.ts";
import type { RpcMember } from "../rpc/client.ts";
import { formatAddress } from "../util/addr.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, orFail, rpcCommand } from "./command.ts";
import { columnize, compareBytes, formatOutput, sortedMap } from "./output.ts";

const HELP = `Usage: serfts members [options]

  Lists the members of the cluster as the agent sees them.

Options:

  -detailed                 Also show each member's protocol versions
                            (text format only).

  -format                   Output format: 'text' (default) or 'json'.

  -name=<regexp>            Only members whose name matches the regexp. The
                            regexp must match the whole name.

  -role=<regexp>            Deprecated: same as '-tag role=<regexp>'.

  -status=<regexp>          Only members whose status matches the regexp.

  -tag <key>=<regexp>       Only members whose tag <key> matches the regexp.
                            Repeat for several tags; every one must match.
                            The regexp must match the whole value.

  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.

  -rpc-auth=""              RPC auth token of the Serf agent.`;

/** One member as `serf members` prints it. */
function row(m: RpcMember, detailed: boolean): string {
  const tags = Object.keys(m.tags).sort(compareBytes).map((k) => `${k}=${m.tags[k]}`).join(",");
  let line = `${m.name}|${formatAddress({ host: m.addr, port: m.port })}|${m.status}|${tags}`;
  if (detailed) {
    line +=
      `|Protocol Version: ${m.delegateCur}|Available Protocol Range: [${m.delegateMin}, ${m.delegateMax}]`;
  }
  return line;
}

/** The JSON shape of `serf members -format=json` (field order as Serf's struct declares it). */
function jsonMember(m: RpcMember) {
  return {
    name: m.name,
    addr: formatAddress({ host: m.addr, port: m.port }),
    port: m.port,
    tags: sortedMap(m.tags),
    status: m.status,
    protocol: { max: m.delegateMax, min: m.delegateMin, version: m.delegateCur },
  };
}

export const membersCommand: CliCommand = rpcCommand({
  synopsis: "Lists the members of a Serf cluster",
  help: HELP,
  flags: {
    detailed: { kind: "bool", usage: "detailed output" },
    role: { kind: "string", usage: "role filter" },
    status: { kind: "string", usage: "status filter" },
    format: { kind: "string", usage: "output format", default: "text" },
    tag: { kind: "list", usage: "tag filter" },
    name: { kind: "string", usage: "name filter" },
  },
  prepare(flags, ui) {
    const v = flags.values;
    const tagArgs = [...(v.tag as string[])];
    if (v.role !== "") {
      ui.output("Deprecation warning: 'Role' has been replaced with 'Tags'");
      tagArgs.push(`role=${v.role}`);
    }
    try {
      return { tags: parseTagFlags(tagArgs) };
    } catch (err) {
      ui.error(`Error: ${errorMessage(err)}`);
      return 1;
    }
  },
  async run({ client, flags, ui, prepared: { tags } }) {
    const v = flags.values;
    const members: RpcMember[] = await orFail(
      ui,
      "Error retrieving members",
      client.membersFiltered(tags, String(v.status), String(v.name)),
    );
    const out = await orFail(
      ui,
      "Encoding error",
      Promise.resolve().then(() =>
        formatOutput(
          String(v.format),
          () => ({ members: members.length > 0 ? members.map(jsonMember) : null }),
          () => columnize(members.map((m) => row(m, v.detailed === true))),
        )
      ),
    );
    ui.output(out);
    return 0;
  },
});
