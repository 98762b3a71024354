/**
 * Cost per node-state record of a push/pull, codec only: writing our records
 * and reading a peer's, by the general schema path (`encodePushNodeState`,
 * `decodePushNodeState`: a `Map` or decoded object per record) and by the
 * direct path the stream code uses (`writePushNodeState`, `readPushNodeState`).
 * Figures are medians of several rounds over a table of realistic records
 * (30-byte names, IPv4 addresses, 40-byte Serf tags); the machine is shared,
 * so compare the ratio.
 *
 * Run: `deno run scripts/bench/push_pull_entry.ts [records] [rounds]`
 */
import { MsgpackWriter } from "../../lib/codec/msgpack.ts";
import { NodeRecord, snapshotNode, vsnOf } from "../../lib/memberlist/node.ts";
import { sharedNodeIdentity } from "../../lib/memberlist/node_identity.ts";
import { msgpackObjectLength } from "../../lib/codec/msgpack_scan.ts";
import { readPushNodeState, writePushNodeState } from "../../lib/memberlist/push_state_codec.ts";
import { decodePushNodeState, encodePushNodeState } from "../../lib/memberlist/wire.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

const RECORDS = Number(Deno.args[0] ?? 1000);
const ROUNDS = Number(Deno.args[1] ?? 30);

function record(i: number): NodeRecord {
  const identity = sharedNodeIdentity(
    `sim-node-${String(i).padStart(5, "0")}.dc1.example`,
    new Uint8Array([10, 0, i >> 8 & 0xff, i & 0xff]),
    7946,
    new Uint8Array(40).fill(0x61),
    [1, 5, 2, 2, 5, 4],
  );
  return new NodeRecord(identity, 0, i % 5, 0);
}

const table = Array.from({ length: RECORDS }, (_, i) => record(i));

function encodeGeneral(): Uint8Array {
  return concatBytes(
    table.map((n) => encodePushNodeState({ ...snapshotNode(n), incarnation: n.incarnation, vsn: vsnOf(n) })),
  );
}

function encodeDirect(): Uint8Array {
  const writer = new MsgpackWriter();
  for (const n of table) writePushNodeState(writer, n);
  return writer.finish();
}

function decodeGeneral(buf: Uint8Array): number {
  let pos = 0, sum = 0;
  for (let i = 0; i < RECORDS; i++) {
    const len = msgpackObjectLength(buf, pos);
    sum += decodePushNodeState(buf.slice(pos, pos + len)).incarnation;
    pos += len;
  }
  return sum;
}

function decodeDirect(buf: Uint8Array): number {
  let pos = 0, sum = 0;
  for (let i = 0; i < RECORDS; i++) {
    const len = msgpackObjectLength(buf, pos);
    const bytes = buf.slice(pos, pos + len);
    sum += readPushNodeState(bytes, 0, len).incarnation;
    pos += len;
  }
  return sum;
}

/** Median microseconds per record of `fn` over ROUNDS rounds (after a warm-up). */
function perRecordUs(fn: () => unknown): number {
  for (let i = 0; i < 5; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (times[times.length >> 1]! * 1000) / RECORDS;
}

const bytes = encodeGeneral();
const rows = {
  "encode (general)": perRecordUs(encodeGeneral),
  "encode (direct)": perRecordUs(encodeDirect),
  "decode (general)": perRecordUs(() => decodeGeneral(bytes)),
  "decode (direct)": perRecordUs(() => decodeDirect(bytes)),
};
console.log(`${RECORDS} records, ${bytes.length / RECORDS} bytes each, median of ${ROUNDS} rounds`);
for (const [name, us] of Object.entries(rows)) console.log(`${name.padEnd(18)} ${us.toFixed(3)} µs/record`);
