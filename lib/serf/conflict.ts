/**
 * Name-conflict resolution: when another address claims our name, ask the
 * cluster who it believes owns the name; in the minority we shut down, as
 * Serf does, so the cluster converges on one owner.
 *
 * @module
 */
import { bytesToIp } from "../util/addr.ts";
import { decodeConflictResponse } from "./messages.ts";
import type { QueryResponse } from "./query_response.ts";
import type { SerfCore } from "./serf_core.ts";

/** Runs the `_serf_conflict` vote; calls `shutdown` on the node when it loses. */
export async function resolveNameConflict(
  s: SerfCore & { shutdown(): Promise<void> },
  query: (name: string, payload: Uint8Array) => QueryResponse,
): Promise<void> {
  const local = s.memberlist.advertiseAddress;
  const resp = query("_serf_conflict", new TextEncoder().encode(s.config.nodeName));
  let responses = 0, matching = 0;
  for await (const r of resp.responses) {
    let member;
    try {
      member = decodeConflictResponse(r.payload);
    } catch (err) {
      s.log.error(`Failed to decode conflict query response: ${err instanceof Error ? err.message : err}`);
      continue;
    }
    responses++;
    if (member && sameIp(member.addr, local.host) && member.port === local.port) matching++;
  }
  const majority = Math.floor(responses / 2) + 1;
  if (matching >= majority) {
    s.log.info(`majority in name conflict resolution [${matching} / ${responses}]`);
    return;
  }
  s.log.warn(`minority in name conflict resolution, quitting [${matching} / ${responses}]`);
  await s.shutdown();
}

/** Compares wire IP bytes with an IP literal (IPv4 may arrive as 4 or 16 bytes). */
function sameIp(addr: Uint8Array, host: string): boolean {
  try {
    return bytesToIp(addr) === host;
  } catch {
    return false;
  }
}
