/**
 * `serfts agent`: runs a node until interrupted. At this stage of the project
 * the agent runs the gossip layer (memberlist) only; the Serf layer, RPC and
 * event handlers build on it.
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
import { Memberlist } from "../memberlist/memberlist.ts";
import { type Node, stateName } from "../memberlist/node.ts";
import { bytesToIp } from "../util/addr.ts";
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
};

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

function describe(n: Node): string {
  return `${n.name} ${bytesToIp(n.addr)}`;
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
  const m = Memberlist.create({
    ...config,
    name,
    bindAddr: bind.host,
    bindPort: transport.localAddress.port,
    advertiseAddr: advertise?.host ?? "",
    advertisePort: advertise?.port ?? 0,
    keyring: key ? new Keyring([key], key) : undefined,
    transport,
    logger,
    events: {
      notifyJoin: (n) => logger.child("agent").info(`EventMemberJoin: ${describe(n)}`),
      notifyLeave: (n) =>
        logger.child("agent").info(`EventMemberLeave: ${describe(n)} (${stateName(n.state)})`),
      notifyUpdate: (n) => logger.child("agent").info(`EventMemberUpdate: ${describe(n)}`),
    },
  });
  platform.writeStdout(
    `==> serfts agent running!\n         Node name: '${name}'\n         Bind addr: '${transport.localAddress.host}:${transport.localAddress.port}'\n         Encrypted: ${
      key !== undefined
    }\n           Runtime: ${platform.runtime}\n\n==> Log data will now stream in as it occurs:\n\n`,
  );
  const joins = v.join as string[];
  if (joins.length > 0) {
    try {
      const n = await m.join(joins);
      logger.child("agent").info(`Joined ${n} nodes`);
    } catch (err) {
      platform.writeStdout(`Error joining: ${errorMessage(err)}\n`);
      await m.shutdown();
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
          await m.leave(5_000);
        } catch (err) {
          logger.child("agent").warn(`Leave failed: ${errorMessage(err)}`);
        }
      }
      await m.shutdown();
      resolve(0);
    };
    const removers = [
      platform.onSignal("SIGINT", () => void stop(true)),
      platform.onSignal("SIGTERM", () => void stop(false)),
    ];
  });
}
