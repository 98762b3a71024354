/**
 * `serfts agent`: runs a Serf node until interrupted. The full `serf agent`
 * flag set, config files, RPC and event handlers build on this.
 *
 * @module
 */
import { parseAddress } from "../util/addr.ts";
import { errorMessage } from "../util/errors.ts";
import { Logger, parseLogLevel } from "../util/log.ts";
import type { Platform } from "../platform/platform.ts";
import { listenTransport } from "../transport/detect.ts";
import {
  defaultLanConfig,
  defaultLocalConfig,
  defaultWanConfig,
  type MemberlistConfig,
} from "../memberlist/config.ts";
import { Keyring, parseKeyBase64 } from "../memberlist/keyring.ts";
import { Serf } from "../serf/serf.ts";
import { type FlagSpec, parseFlags } from "./flags.ts";

/** Flags understood so far; the full set of `serf agent` flags lands with the agent issue. */
export const AGENT_FLAGS: Record<string, FlagSpec> = {
  node: { kind: "string", usage: "Name of this node. Must be unique in the cluster." },
  bind: { kind: "string", usage: "Address to bind network listeners to.", default: "127.0.0.1:7946" },
  advertise: { kind: "string", usage: "Address to advertise to the other cluster members." },
  join: { kind: "list", usage: "An initial agent to join with. Can be specified multiple times." },
  encrypt: {
    kind: "string",
    usage: "Key for encrypting network traffic within Serf. Must be a base64-encoded 16, 24 or 32-byte key.",
  },
  "log-level": { kind: "string", usage: "Log level of the agent.", default: "INFO" },
  profile: {
    kind: "string",
    usage: "Profile is used to control the timing profiles used in Serf. (lan|wan|local)",
    default: "lan",
  },
  tag: { kind: "list", usage: "Tag to set on the node, as key=value. Can be specified multiple times." },
  snapshot: {
    kind: "string",
    usage: "The snapshot path: members and clocks are saved there and rejoined on restart.",
  },
  rejoin: {
    kind: "bool",
    usage: "Ignores a previous leave and attempts to rejoin the cluster (needs -snapshot).",
  },
  replay: { kind: "bool", usage: "Replay user events that happened before the join." },
  "keyring-file": { kind: "string", usage: "Path to a keyring file (JSON array of base64 keys)." },
  protocol: { kind: "int", usage: "Protocol version to use.", default: 5 },
};

function parseTags(list: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list) {
    const i = t.indexOf("=");
    if (i <= 0) throw new RangeError(`Invalid tag: '${t}' (use -tag key=value)`);
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  return tags;
}

function profileConfig(name: string): MemberlistConfig {
  switch (name) {
    case "lan":
      return defaultLanConfig();
    case "wan":
      return defaultWanConfig();
    case "local":
      return defaultLocalConfig();
    default:
      throw new RangeError(`Unknown profile: ${name} (use lan, wan or local)`);
  }
}

/** Runs the agent; resolves with the process exit code. */
export async function runAgent(argv: string[], platform: Platform): Promise<number> {
  const flags = parseFlags(argv, AGENT_FLAGS);
  const v = flags.values;
  const level = parseLogLevel(String(v["log-level"]));
  const logger = new Logger({ level, sink: (line) => platform.writeStdout(`    ${line}\n`) });
  const bind = parseAddress(String(v.bind), 7946);
  const config = profileConfig(String(v.profile));
  const key = v.encrypt ? parseKeyBase64(String(v.encrypt)) : undefined;
  const advertise = v.advertise ? parseAddress(String(v.advertise), bind.port) : undefined;
  const name = String(v.node || platform.hostname());
  const transport = await listenTransport({ host: bind.host, port: bind.port, logger });
  let keyring = key ? new Keyring([key], key) : undefined;
  const keyringFile = String(v["keyring-file"] ?? "");
  if (keyringFile) {
    const { loadKeyringFile } = await import("../serf/keyring_file.ts");
    try {
      keyring = loadKeyringFile(keyringFile);
    } catch {
      // A missing file is created on the first key change, as Serf does.
    }
  }
  const serf = await Serf.create({
    nodeName: name,
    tags: parseTags(v.tag as string[]),
    protocolVersion: Number(v.protocol),
    snapshotPath: String(v.snapshot ?? ""),
    rejoinAfterLeave: v.rejoin === true,
    keyringFile,
    memberlist: {
      ...config,
      bindAddr: bind.host,
      bindPort: transport.localAddress.port,
      advertiseAddr: advertise?.host ?? "",
      advertisePort: advertise?.port ?? 0,
      keyring,
      transport,
      logger,
    },
  });
  const agentLog = logger.child("agent");
  const consume = (async () => {
    for await (const e of serf.events) {
      agentLog.info(`Received event: ${e.type === "user" ? "user-event" : e.type}`);
    }
  })();
  platform.writeStdout(
    `==> serfts agent running!\n         Node name: '${name}'\n         Bind addr: '${transport.localAddress.host}:${transport.localAddress.port}'\n         Encrypted: ${
      key !== undefined
    }\n               Tags: ${
      JSON.stringify(serf.localMember().tags)
    }\n           Runtime: ${platform.runtime}\n\n==> Log data will now stream in as it occurs:\n\n`,
  );
  const joins = v.join as string[];
  if (joins.length > 0) {
    try {
      const n = await serf.join(joins, v.replay !== true);
      agentLog.info(`Join completed. Synced with ${n} initial agents`);
    } catch (err) {
      platform.writeStdout(`Error joining: ${errorMessage(err)}\n`);
      await serf.shutdown();
      return 1;
    }
  }
  return await new Promise<number>((resolve) => {
    const stop = async (graceful: boolean) => {
      for (const off of removers) off();
      platform.writeStdout(
        graceful ? "==> Gracefully shutting down agent...\n" : "==> Shutting down agent...\n",
      );
      if (graceful) {
        try {
          await serf.leave();
        } catch (err) {
          agentLog.warn(`Leave failed: ${errorMessage(err)}`);
        }
      }
      await serf.shutdown();
      await consume;
      resolve(0);
    };
    const removers = [
      platform.onSignal("SIGINT", () => void stop(true)),
      platform.onSignal("SIGTERM", () => void stop(false)),
    ];
  });
}
