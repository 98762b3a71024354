/**
 * Starting the agent's Serf node: keyring, socket transport, then Serf, with
 * failures worded as `serf agent` words them (`Error creating Serf: ...`).
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import type { Metrics } from "../util/metrics.ts";
import type { Transport } from "../transport/transport.ts";
import { listenTransport } from "../transport/detect.ts";
import { Keyring } from "../memberlist/keyring.ts";
import { Serf } from "../serf/serf.ts";
import type { AgentSerfSettings, HostPort } from "./serf_options.ts";

/** What {@linkcode startAgentSerf} combines with the settings. */
export interface AgentSerfParts {
  bind: HostPort;
  /** From the keyring file, if any. */
  keyring?: Keyring;
  /** The `encrypt_key` bytes, used when there is no keyring file. */
  keyBytes?: Uint8Array;
  /** An injected transport; otherwise one is bound to `bind` (and closed again if Serf fails). */
  transport?: Transport;
  clock: Clock;
  logger: Logger;
  /** Shared by Serf and memberlist. @default NO_METRICS */
  metrics?: Metrics;
}

/**
 * Creates the Serf node.
 * @throws {Error} `Error creating Serf: Failed to create memberlist: ...` for a bad key
 * or an address that cannot be bound, `Error creating Serf: ...` for Serf's own checks
 */
export async function startAgentSerf(settings: AgentSerfSettings, parts: AgentSerfParts): Promise<Serf> {
  let keyring = parts.keyring;
  let transport = parts.transport;
  try {
    if (!keyring && parts.keyBytes) keyring = new Keyring([parts.keyBytes], parts.keyBytes);
  } catch (err) {
    const msg = err instanceof RangeError ? "key size must be 16, 24 or 32 bytes" : errorMessage(err);
    throw new Error(`Error creating Serf: Failed to create memberlist: ${msg}`, { cause: err });
  }
  try {
    transport ??= await listenTransport({
      host: parts.bind.host,
      port: parts.bind.port,
      logger: parts.logger,
    });
  } catch (err) {
    // memberlist's wrapping of a transport that could not bind (the transport words the rest).
    const msg = `Could not set up network transport: failed to obtain an address: ${errorMessage(err)}`;
    throw new Error(`Error creating Serf: Failed to create memberlist: ${msg}`, { cause: err });
  }
  try {
    return await Serf.create({
      ...settings,
      metrics: parts.metrics,
      memberlist: {
        ...settings.memberlist,
        bindPort: transport.localAddress.port,
        keyring,
        transport,
        clock: parts.clock,
        logger: parts.logger,
      },
    });
  } catch (err) {
    if (!parts.transport) await transport.close().catch(() => {});
    throw new Error(`Error creating Serf: ${errorMessage(err)}`, { cause: err });
  }
}
