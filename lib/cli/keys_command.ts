/**
 * `serfts keys`: manages the gossip encryption keyring of the whole cluster
 * (install, use as primary, remove, list), reporting per-node failures.
 * Exits 0 only when every node answered without error.
 *
 * @module
 */
import type { RpcKeyResult } from "../rpc/client.ts";
import { errorMessage } from "../util/errors.ts";
import { type CliCommand, rpcCommand } from "./command.ts";
import { columnize, compareBytes, type Ui } from "./output.ts";

const HELP = `Usage: serfts keys [options]...

  Manages the encryption keyring of the cluster. Every change is sent to all
  members and applied on each of them; repeating an operation is harmless.

  Several keys can be installed at once so that keys can be rotated: only
  the "primary" key encrypts messages, all of them are tried to decrypt.

  Exits 0 when every node answered without error, 1 otherwise.

  Keep more than one key only while rotating: each extra key costs time on
  every received message.

Options:

  -install=<key>            Adds a key to every keyring. It can decrypt at once
                            but encrypts nothing until it is made primary.
  -use=<key>                Makes a key the primary key everywhere. Every node
                            must have it installed first to keep talking to
                            the others.
  -remove=<key>             Removes a key from every keyring. The primary key
                            cannot be removed.
  -list                     Asks every member for its keys and prints each key
                            with the number of members holding it.
  -rpc-addr=127.0.0.1:7373  RPC address of the Serf agent.
  -rpc-auth=""              RPC auth token of the Serf agent.`;

/** Prints per-node failures, a blank line and the summary error, as `serf keys` does. */
function reportFailure(ui: Ui, result: RpcKeyResult | undefined, message: string): number {
  const failures = Object.keys(result?.messages ?? {}).sort(compareBytes);
  if (failures.length > 0) {
    ui.error(columnize(failures.map((node) => `failed: | ${node} | ${result!.messages[node]}`)));
  }
  ui.error("");
  ui.error(message);
  return 1;
}

const ACTIONS = {
  install: {
    start: "Installing key on all members...",
    fail: "Error installing key",
    ok: "Successfully installed key!",
  },
  use: {
    start: "Changing primary key on all members...",
    fail: "Error changing primary key",
    ok: "Successfully changed primary key!",
  },
  remove: {
    start: "Removing key on all members...",
    fail: "Error removing key",
    ok: "Successfully removed key!",
  },
} as const;

export const keysCommand: CliCommand = rpcCommand({
  synopsis: "Manipulate the internal encryption keyring used by Serf",
  help: HELP,
  infoPrefix: "==> ",
  flags: {
    install: { kind: "string", usage: "install a new key" },
    use: { kind: "string", usage: "change primary encryption key" },
    remove: { kind: "string", usage: "remove a key" },
    list: { kind: "bool", usage: "list cluster keys" },
  },
  prepare(flags, ui) {
    const list = flags.values.list === true;
    const chosen = (["install", "use", "remove"] as const).filter((k) => String(flags.values[k]) !== "");
    if (chosen.length + (list ? 1 : 0) > 1) {
      ui.error("Only one of -install, -use, -remove, or -list allowed");
      return 1;
    }
    if (chosen.length === 0 && !list) {
      ui.error(HELP);
      return 1;
    }
    return { action: list ? "list" as const : chosen[0]! };
  },
  async run({ client, flags, ui, prepared: { action } }) {
    if (action === "list") {
      ui.info("Asking all members for installed keys...");
      const fail = "Failed to gather member keys";
      let result: RpcKeyResult;
      try {
        result = await client.listKeys();
      } catch (err) {
        return reportFailure(ui, undefined, `${fail}: ${errorMessage(err)}`);
      }
      if (result.error) return reportFailure(ui, result, `${fail}: ${result.error}`);
      ui.info("Keys gathered, listing cluster keys...");
      ui.output("");
      const keys = Object.keys(result.keys).sort(compareBytes);
      ui.output(columnize(keys.map((k) => `${k} | [${result.keys[k]}/${result.numNodes}]`)));
      return 0;
    }
    const key = String(flags.values[action]);
    const text = ACTIONS[action];
    ui.info(text.start);
    let result: RpcKeyResult;
    try {
      result = action === "install"
        ? await client.installKey(key)
        : action === "use"
        ? await client.useKey(key)
        : await client.removeKey(key);
    } catch (err) {
      return reportFailure(ui, undefined, `${text.fail}: ${errorMessage(err)}`);
    }
    if (result.error) return reportFailure(ui, result, `${text.fail}: ${result.error}`);
    ui.info(text.ok);
    return 0;
  },
});
