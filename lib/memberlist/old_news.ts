/**
 * Recognising an alive message that repeats what we know, from its bytes.
 * During a rollout every join is one alive rumour that each node receives
 * from several peers; all but the first copy change nothing, and decoding
 * each into a message object (strings, views, a version array) was much of
 * the storm's cost and garbage. This reads the few fields that decide it in
 * place; anything it is not sure of goes to the full decoder and
 * {@linkcode aliveNode}, which then behaves exactly as before.
 *
 * @module
 */
import { encodeMsgpack } from "../codec/msgpack.ts";
import { MsgpackPeek, PEEK_NIL, PEEK_OTHER } from "../codec/msgpack_peek.ts";
import { memberNames } from "../util/ascii_interns.ts";
import type { Engine } from "./engine.ts";
import { plausibleVsn, unchangedByAlive } from "./state_machine.ts";

// The alive struct's keys in go-msgpack's (sorted) order.
const KEY_ADDR = encodeMsgpack("Addr");
const KEY_INCARNATION = encodeMsgpack("Incarnation");
const KEY_META = encodeMsgpack("Meta");
const KEY_NODE = encodeMsgpack("Node");
const KEY_PORT = encodeMsgpack("Port");
const KEY_VSN = encodeMsgpack("Vsn");

/** Reading is synchronous, so one cursor serves every message. */
const peek = new MsgpackPeek();

/**
 * True when `body` (an alive message's msgpack body, as received) is in the
 * common shape and {@linkcode aliveNode} would ignore it: a known node other
 * than us, same address and port, no newer incarnation, a valid version
 * vector. False means "decode it and handle it as usual", not "it is new".
 */
export function isOldNewsAliveBody(m: Engine, body: Uint8Array, start = 0, end = body.length): boolean {
  if (m.config.alive) return false;
  peek.reset(body, start, end);
  if (peek.mapLength() !== 6 || !peek.key(KEY_ADDR)) return false;
  const addrLen = peek.rawLength();
  if (addrLen !== 4 && addrLen !== 16) return false;
  const addrAt = peek.pos;
  peek.pos += addrLen;
  if (!peek.key(KEY_INCARNATION)) return false;
  const incarnation = peek.uint();
  if (incarnation === PEEK_OTHER || !peek.key(KEY_META)) return false;
  const metaLen = peek.rawLength();
  if (metaLen === PEEK_OTHER) return false;
  if (metaLen !== PEEK_NIL) peek.pos += metaLen;
  if (!peek.key(KEY_NODE)) return false;
  const name = peek.internedAscii(memberNames);
  if (name === undefined || !peek.key(KEY_PORT)) return false;
  let port = peek.uint();
  if (port === PEEK_OTHER || port > 0xffff || !peek.key(KEY_VSN)) return false;
  const vsnLen = peek.rawLength();
  if (vsnLen === PEEK_OTHER) return false;
  if (vsnLen !== PEEK_NIL) {
    if (!plausibleVsn(body, peek.pos, vsnLen)) return false;
    peek.pos += vsnLen;
  }
  if (peek.pos !== end) return false;
  if (port === 0) port = m.config.bindPort;
  const known = unchangedByAlive(m, name, incarnation, port);
  if (!known || known.addr.length !== addrLen) return false;
  for (let i = 0; i < addrLen; i++) if (known.addr[i] !== body[addrAt + i]) return false;
  return true;
}
