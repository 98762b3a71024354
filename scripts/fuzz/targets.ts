/**
 * Every fuzz target, in the order `deno task fuzz` runs them.
 *
 * @module
 */
import type { FuzzTarget } from "./target.ts";
import { agentInputs } from "./targets_files.ts";
import { memberlistMessages, memberlistWrappers } from "./targets_memberlist.ts";
import { memberlistReceive, serfReceive } from "./targets_receive.ts";
import { rpcFrames } from "./targets_rpc.ts";
import { serfMessages } from "./targets_serf.ts";

/** All targets: decoders first, then the receive paths that use them. */
export const ALL_TARGETS: readonly FuzzTarget[] = [
  memberlistMessages,
  memberlistWrappers,
  serfMessages,
  rpcFrames,
  agentInputs,
  memberlistReceive,
  serfReceive,
];
