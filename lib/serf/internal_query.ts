/**
 * Serf's own queries, named `_serf_*`: ping (acks only), name-conflict votes
 * and the cluster-wide key manager. They are answered here and never reach
 * the user's event stream.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import { encodeKeyBase64 } from "../memberlist/keyring.ts";
import type { Keyring } from "../memberlist/keyring.ts";
import {
  decodeKeyRequest,
  encodeConflictResponse,
  encodeKeyResponse,
  encodeSerfMessage,
  type NodeKeyResponse,
} from "./messages.ts";
import { queryResponseFor } from "./query.ts";
import type { SerfCore } from "./serf_core.ts";
import { type Member, MEMBER_STATUS_CODE, type QueryEvent } from "./types.ts";
import { ipToBytes } from "../util/addr.ts";
import type { WireMember } from "./messages.ts";

/** Prefix reserved for internal queries. */
export const INTERNAL_QUERY_PREFIX = "_serf_";

/** Shortest base64 key (16 bytes), used to bound how many keys fit a response. */
const MIN_ENCODED_KEY_LENGTH = 25;

/** What internal queries need beyond the core. */
export interface InternalQueryHost {
  keyring(): Keyring | undefined;
  /** Rewrites the keyring file after a change; throws on failure. */
  writeKeyringFile(): Promise<void>;
}

/** True for queries Serf handles itself. */
export function isInternalQuery(name: string): boolean {
  return name.startsWith(INTERNAL_QUERY_PREFIX);
}

/** Answers one internal query. Errors are logged; the asker sees them in the response. */
export async function handleInternalQuery(
  s: SerfCore,
  host: InternalQueryHost,
  q: QueryEvent,
): Promise<void> {
  const name = q.name.slice(INTERNAL_QUERY_PREFIX.length);
  try {
    switch (name) {
      case "ping":
        return; // the ack is the answer
      case "conflict":
        return answerConflict(s, q);
      case "install-key":
      case "use-key":
      case "remove-key":
        return await answerKeyChange(s, host, q, name);
      case "list-keys":
        return answerListKeys(s, host, q);
      default:
        s.log.warn(`Unhandled internal query '${name}'`);
    }
  } catch (err) {
    s.log.error(`Failed to respond to ${q.name}: ${errorMessage(err)}`);
  }
}

function answerConflict(s: SerfCore, q: QueryEvent): void {
  const node = new TextDecoder().decode(q.payload);
  if (node === s.config.nodeName) return;
  s.log.debug(`Got conflict resolution query for '${node}'`);
  const m = s.members.byName.get(node)?.member;
  q.respond(encodeConflictResponse(m ? toWireMember(m) : null));
}

async function answerKeyChange(
  s: SerfCore,
  host: InternalQueryHost,
  q: QueryEvent,
  op: string,
): Promise<void> {
  const resp: NodeKeyResponse = { result: false, message: "", keys: [], primaryKey: "" };
  const keyring = host.keyring();
  try {
    const req = decodeKeyRequest(q.payload);
    if (!keyring || keyring.getKeys().length === 0) {
      resp.message = "No keyring to modify (encryption not enabled)";
      s.log.error(resp.message);
    } else {
      s.log.info(`Received ${op} query`);
      try {
        if (op === "install-key") keyring.addKey(req.key);
        else if (op === "use-key") keyring.useKey(req.key);
        else keyring.removeKey(req.key);
        await host.writeKeyringFile();
        resp.result = true;
      } catch (err) {
        resp.message = goKeyringMessage(err);
        s.log.error(`Failed to ${op}: ${resp.message}`);
      }
    }
  } catch (err) {
    s.log.error(`Failed to decode key request: ${errorMessage(err)}`);
  }
  q.respond(encodeKeyResponse(resp));
}

function answerListKeys(s: SerfCore, host: InternalQueryHost, q: QueryEvent): void {
  const resp: NodeKeyResponse = { result: false, message: "", keys: [], primaryKey: "" };
  const keyring = host.keyring();
  if (!keyring || keyring.getKeys().length === 0) {
    resp.message = "Keyring is empty (encryption not enabled)";
    s.log.error(resp.message);
  } else {
    s.log.info("Received list-keys query");
    resp.keys = keyring.getKeys().map(encodeKeyBase64);
    resp.primaryKey = encodeKeyBase64(keyring.getPrimaryKey()!);
    resp.result = true;
  }
  // Trim the key list until the response fits, saying so, as Serf does.
  const all = resp.keys.length;
  for (
    let keep = Math.min(all, Math.floor(s.config.queryResponseSizeLimit / MIN_ENCODED_KEY_LENGTH));
    keep >= 0;
    keep--
  ) {
    const candidate = { ...resp, keys: resp.keys.slice(0, keep) };
    if (keep < all) candidate.message = `truncated key list response, showing first ${keep} of ${all} keys`;
    const payload = encodeKeyResponse(candidate);
    const size = encodeSerfMessage(queryResponseFor(s, q, payload)).length;
    if (size > s.config.queryResponseSizeLimit) continue;
    if (keep < all) s.log.warn(candidate.message);
    q.respond(payload);
    return;
  }
  s.log.error("Failed to truncate response so that it fits into message");
}

/** A member as Serf encodes it in conflict answers (IP bytes, numeric status). */
function toWireMember(m: Member): WireMember {
  return { ...m, addr: ipToBytes(m.addr), status: MEMBER_STATUS_CODE[m.status] };
}

/**
 * memberlist's keyring text for a refused change, which `serf keys` prints per
 * node: our size check adds the size it saw; memberlist's does not.
 */
function goKeyringMessage(err: unknown): string {
  const message = errorMessage(err);
  return err instanceof RangeError && message.includes("key size must be")
    ? "key size must be 16, 24 or 32 bytes"
    : message;
}
