import assert from "node:assert/strict";
import { lzwCompress } from "../../lib/codec/lzw.ts";
import { StreamReader } from "../../lib/codec/stream_reader.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import type { BodyMessage, PushNodeState } from "../../lib/memberlist/messages.ts";
import { MessageType } from "../../lib/memberlist/messages.ts";
import {
  addCrc,
  addLabelHeader,
  compoundPartLength,
  compoundWholeParts,
  compressPayload,
  decodeBody,
  decodeCompoundMessage,
  decodeMessage,
  decodePacketBody,
  decodePushNodeState,
  decodePushPullHeader,
  decodeUserMsgHeader,
  decompressPayload,
  encodeMessage,
  encodePushNodeState,
  encodePushPullHeader,
  encodeUserMsgHeader,
  makeCompoundMessage,
  removeLabelHeader,
  verifyCrc,
} from "../../lib/memberlist/wire.ts";
import { mutations, onlyDecodeError } from "../codec/_fuzz.ts";
import {
  fromHex,
  goDecode,
  goldenTool,
  type GoldenVector,
  loadVectors,
  reportSkip,
  toHex,
  toolPath,
} from "../codec/_golden.ts";

const vectors = loadVectors("memberlist.json");
const MESSAGE_KINDS = new Set([
  "ping",
  "indirectPing",
  "ackResp",
  "nackResp",
  "err",
  "suspect",
  "alive",
  "dead",
]);
const STREAM_KINDS = new Set(["pushPullHeader", "pushNodeState", "userMsgHeader"]);
const ofKind = (...kinds: string[]) => vectors.filter((v) => kinds.includes(v.kind));
const messageVectors = vectors.filter((v) => MESSAGE_KINDS.has(v.kind));

/** A decoded message in the JSON form the Go tool prints (Go field names, bytes as hex). */
export function goFields(msg: BodyMessage): Record<string, unknown> {
  const empty = new Uint8Array(0);
  const source = (m: { sourceAddr?: Uint8Array; sourcePort?: number; sourceNode?: string }) => ({
    SourceAddr: toHex(m.sourceAddr ?? empty),
    SourcePort: m.sourcePort ?? 0,
    SourceNode: m.sourceNode ?? "",
  });
  switch (msg.type) {
    case "ping":
      return { SeqNo: msg.seqNo, Node: msg.node, ...source(msg) };
    case "indirectPing":
      return {
        SeqNo: msg.seqNo,
        Target: toHex(msg.target),
        Port: msg.port,
        Node: msg.node,
        Nack: msg.nack,
        ...source(msg),
      };
    case "ackResp":
      return { SeqNo: msg.seqNo, Payload: toHex(msg.payload) };
    case "nackResp":
      return { SeqNo: msg.seqNo };
    case "err":
      return { Error: msg.error };
    case "suspect":
    case "dead":
      return { Incarnation: msg.incarnation, Node: msg.node, From: msg.from };
    case "alive":
      return {
        Incarnation: msg.incarnation,
        Node: msg.node,
        Addr: toHex(msg.addr),
        Port: msg.port,
        Meta: toHex(msg.meta),
        Vsn: toHex(Uint8Array.from(msg.vsn)),
      };
  }
}

function nodeStateFields(s: PushNodeState): Record<string, unknown> {
  return {
    Name: s.name,
    Addr: toHex(s.addr),
    Port: s.port,
    Meta: toHex(s.meta),
    Incarnation: s.incarnation,
    State: s.state,
    Vsn: toHex(Uint8Array.from(s.vsn)),
  };
}

function streamObject(v: GoldenVector): { fields: Record<string, unknown>; reencoded: Uint8Array } {
  const buf = fromHex(v.hex);
  if (v.kind === "pushPullHeader") {
    const h = decodePushPullHeader(buf);
    return {
      fields: { Nodes: h.nodes, UserStateLen: h.userStateLen, Join: h.join },
      reencoded: encodePushPullHeader(h),
    };
  }
  if (v.kind === "pushNodeState") {
    const s = decodePushNodeState(buf);
    return { fields: nodeStateFields(s), reencoded: encodePushNodeState(s) };
  }
  const u = decodeUserMsgHeader(buf);
  return { fields: { UserMsgLen: u.userMsgLen }, reencoded: encodeUserMsgHeader(u) };
}

Deno.test("decodeMessage reads every Go message vector to the fields Go encoded", () => {
  assert.ok(messageVectors.length >= 18);
  for (const v of messageVectors) assert.deepEqual(goFields(decodeMessage(fromHex(v.hex))), v.fields, v.name);
});

Deno.test("encodeMessage writes Go's exact bytes for every message vector", () => {
  for (const v of messageVectors.filter((v) => !v.decodeOnly)) {
    assert.equal(toHex(encodeMessage(decodeMessage(fromHex(v.hex)))), v.hex, v.name);
  }
});

Deno.test("decodeBody narrows its result by the literal type byte", () => {
  const ping = decodeBody(MessageType.ping, fromHex(ofKind("ping")[0]!.hex).subarray(1));
  assert.equal(ping.seqNo, 1);
  assert.equal(ping.sourceAddr, undefined, "omitempty fields stay absent");
  assert.throws(() => decodeBody(MessageType.compound, new Uint8Array([0x80])), DecodeError);
  assert.throws(() => decodeMessage(new Uint8Array(0)), DecodeError);
});

Deno.test("stream objects (push/pull header, node state, user header) match Go both ways", () => {
  const streamVectors = vectors.filter((v) => STREAM_KINDS.has(v.kind));
  assert.equal(streamVectors.length, 7);
  for (const v of streamVectors) {
    const { fields, reencoded } = streamObject(v);
    assert.deepEqual(fields, v.fields, v.name);
    assert.equal(toHex(reencoded), v.hex, v.name);
  }
  assert.throws(() => decodePushPullHeader(fromHex("81a54e6f646573ff")), /'Nodes'/, "negative node count");
  assert.throws(() => decodePushNodeState(fromHex("81a5537461746504")), /'State'/, "unknown node state");
});

Deno.test("a push/pull stream built from our encoders equals Go's and reads back", async () => {
  const v = ofKind("pushPullStream")[0]!;
  const fields = v.fields as { Nodes: Record<string, unknown>[]; UserState: string; Join: boolean };
  const reader = StreamReader.fromBytes(fromHex(v.hex));
  assert.equal(await reader.readByte(), MessageType.pushPull);
  const header = decodePushPullHeader(await reader.readMsgpackBytes());
  const states: PushNodeState[] = [];
  for (let i = 0; i < header.nodes; i++) states.push(decodePushNodeState(await reader.readMsgpackBytes()));
  const user = await reader.readExact(header.userStateLen);
  assert.deepEqual(states.map(nodeStateFields), fields.Nodes);
  assert.equal(toHex(user), fields.UserState);
  const rebuilt = [
    new Uint8Array([MessageType.pushPull]),
    encodePushPullHeader(header),
    ...states.map(encodePushNodeState),
    user,
  ].flatMap((b) => [...b]);
  assert.equal(toHex(Uint8Array.from(rebuilt)), v.hex);
});

Deno.test("compound messages match Go and report truncated parts", () => {
  const v = ofKind("compound")[0]!;
  const parts = v.parts!.map(fromHex);
  assert.equal(toHex(makeCompoundMessage(parts)), v.hex);
  const whole = fromHex(v.hex);
  assert.deepEqual(decodeCompoundMessage(whole.subarray(1)).parts.map(toHex), v.parts);
  const cut = decodeCompoundMessage(whole.subarray(1, whole.length - 1));
  assert.equal(cut.parts.length, 2);
  assert.equal(cut.truncated, 1);
  assert.throws(() => decodeCompoundMessage(new Uint8Array(0)), /missing length byte/);
  assert.throws(() => decodeCompoundMessage(new Uint8Array([3, 0, 1])), /truncated length table/);
  assert.throws(() => makeCompoundMessage(new Array(256).fill(new Uint8Array(1))), RangeError);
  assert.throws(() => makeCompoundMessage([new Uint8Array(65536)]), RangeError);
});

Deno.test("compoundWholeParts and compoundPartLength read a compound in place, inside a larger buffer", () => {
  const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const body = makeCompoundMessage(parts).subarray(1);
  const framed = new Uint8Array([0xee, ...body, 0xee, 0xee]);
  const read = (end: number) => {
    const whole = compoundWholeParts(framed, 1, end);
    let at = 2 + 2 * framed[1]!;
    const out: number[][] = [];
    for (let i = 0; i < whole; i++) {
      const length = compoundPartLength(framed, 1, i);
      out.push([...framed.subarray(at, at + length)]);
      at += length;
    }
    return out;
  };
  assert.deepEqual(read(1 + body.length), parts.map((p) => [...p]));
  assert.deepEqual(read(body.length), parts.slice(0, 2).map((p) => [...p]), "the last part cut by the end");
  assert.equal(compoundWholeParts(framed, 1, 8 + 3), 2, "an empty part right at the end is whole");
  assert.equal(compoundWholeParts(framed, 1, 8 + 2), 0, "the first part one byte short");
  assert.throws(() => compoundWholeParts(framed, 1, 1), /missing length byte/);
  assert.throws(() => compoundWholeParts(framed, 1, 1 + 6), /truncated length table/);
});

Deno.test("compressPayload and decompressPayload match Go's compress messages", () => {
  for (const v of ofKind("compress")) {
    assert.equal(toHex(compressPayload(fromHex(v.payload!))), v.hex, v.name);
    assert.equal(toHex(decompressPayload(fromHex(v.hex).subarray(1))), v.payload, v.name);
  }
  const otherAlgo = fromHex("82a4416c676f01a3427566c0");
  assert.throws(() => decompressPayload(otherAlgo), /unknown algorithm 1/);
});

Deno.test("addCrc matches Go and verifyCrc rejects a flipped bit", () => {
  const v = ofKind("crc")[0]!;
  assert.equal(toHex(addCrc(fromHex(v.payload!))), v.hex);
  const buf = fromHex(v.hex);
  assert.equal(toHex(verifyCrc(buf)!), v.payload);
  buf[buf.length - 1]! ^= 1;
  assert.equal(verifyCrc(buf), null);
  assert.throws(() => verifyCrc(new Uint8Array([MessageType.hasCrc, 0, 0])), DecodeError);
});

Deno.test("label headers are added, stripped and validated", () => {
  const msg = new Uint8Array([0, 0x80]);
  assert.equal(addLabelHeader(msg, ""), msg);
  const labelled = addLabelHeader(msg, "prod");
  assert.equal(toHex(labelled), "f404" + toHex(new TextEncoder().encode("prod")) + "0080");
  assert.deepEqual(removeLabelHeader(labelled), { label: "prod", rest: msg });
  assert.deepEqual(removeLabelHeader(msg), { label: "", rest: msg });
  assert.throws(() => addLabelHeader(msg, "x".repeat(256)), RangeError);
  assert.throws(() => removeLabelHeader(new Uint8Array([244])), DecodeError);
  assert.throws(() => removeLabelHeader(new Uint8Array([244, 0, 1])), /empty/);
  assert.throws(() => removeLabelHeader(new Uint8Array([244, 5, 1])), /truncated/);
});

/** Random valid messages of every type, with field sizes around the msgpack form boundaries. */
function randomMessages(seed: number, count: number): BodyMessage[] {
  const rng = new SeededRandom(seed);
  const int = (n: number) => Math.floor(rng.next() * n);
  const pick = <T>(items: T[]): T => items[int(items.length)]!;
  const num = () => pick([0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, int(2 ** 32)]);
  const port = () => pick([0, 1, 127, 128, 255, 256, 7946, 65535]);
  const bytes = () => Uint8Array.from({ length: pick([0, 1, 4, 16, 31, 32, 255, 256, 512]) }, () => int(256));
  const name = () => "név-" + "x".repeat(pick([0, 1, 26, 27, 250, 251, 300]));
  const vsn = () => Array.from({ length: 6 }, () => int(256));
  const out: BodyMessage[] = [];
  for (let i = 0; i < count; i++) {
    const source = rng.next() < 0.5 ? {} : { sourceAddr: bytes(), sourcePort: port(), sourceNode: name() };
    out.push(pick<BodyMessage>([
      { type: "ping", seqNo: num(), node: name(), ...source },
      {
        type: "indirectPing",
        seqNo: num(),
        target: bytes(),
        port: port(),
        node: name(),
        nack: rng.next() < 0.5,
        ...source,
      },
      { type: "ackResp", seqNo: num(), payload: bytes() },
      { type: "nackResp", seqNo: num() },
      { type: "err", error: name() },
      { type: "suspect", incarnation: num(), node: name(), from: name() },
      {
        type: "alive",
        incarnation: num(),
        node: name(),
        addr: bytes(),
        port: port(),
        meta: bytes(),
        vsn: vsn(),
      },
      { type: "dead", incarnation: num(), node: name(), from: name() },
    ]));
  }
  return out;
}

Deno.test("random messages survive encodeMessage then decodeMessage", () => {
  for (const msg of randomMessages(11, 2000)) {
    assert.deepEqual(goFields(decodeMessage(encodeMessage(msg))), goFields(msg));
  }
});

const tool = await goldenTool();
const goSkipped = reportSkip("Go round-trip tests", tool);

Deno.test({
  name: "Go decodes our messages to the same fields and would write the same bytes",
  ignore: goSkipped,
  fn: async () => {
    const path = toolPath(tool);
    const messages = [
      ...messageVectors.map((v) => decodeMessage(fromHex(v.hex))),
      ...randomMessages(12, 600),
    ];
    const encoded = messages.map(encodeMessage);
    const answers = await goDecode(path, messages.map((m, i) => [m.type, encoded[i]!]));
    messages.forEach((msg, i) => {
      const { _hex, ...fields } = answers[i]!;
      assert.deepEqual(fields, goFields(msg), `message ${i} (${msg.type})`);
      assert.equal(_hex, toHex(encoded[i]!), `message ${i} (${msg.type}) bytes`);
    });
  },
});

Deno.test({
  name: "Go reads our stream objects, compound, compress, CRC and LZW output",
  ignore: goSkipped,
  fn: async () => {
    const path = toolPath(tool);
    const rng = new SeededRandom(13);
    const blob = Uint8Array.from({ length: 40_000 }, () => Math.floor(rng.next() * 7));
    const parts = randomMessages(14, 20).map(encodeMessage);
    const state: PushNodeState = {
      name: "ñode",
      addr: new Uint8Array([10, 1, 2, 3]),
      port: 7946,
      meta: new Uint8Array(40),
      incarnation: 70000,
      state: 2,
      vsn: [1, 5, 2, 2, 5, 4],
    };
    const items: [string, Uint8Array][] = [
      ["pushPullHeader", encodePushPullHeader({ nodes: 300, userStateLen: 70000, join: true })],
      ["pushNodeState", encodePushNodeState(state)],
      ["userMsgHeader", encodeUserMsgHeader({ userMsgLen: 65536 })],
      ["compound", makeCompoundMessage(parts)],
      ["compress", compressPayload(blob.subarray(0, 3000))],
      ["crc", addCrc(parts[0]!)],
      ["lzw", lzwCompress(blob)],
    ];
    const [header, node, user, compound, compress, crc, lzw] = await goDecode(path, items);
    assert.deepEqual(header, { Nodes: 300, UserStateLen: 70000, Join: true, _hex: toHex(items[0]![1]) });
    assert.deepEqual(node, { ...nodeStateFields(state), _hex: toHex(items[1]![1]) });
    assert.deepEqual(user, { UserMsgLen: 65536, _hex: toHex(items[2]![1]) });
    assert.deepEqual(compound, { parts: parts.map(toHex), truncated: 0 });
    assert.deepEqual(compress, { Algo: 0, payload: toHex(blob.subarray(0, 3000)) });
    assert.deepEqual(crc, { ok: true, payload: toHex(parts[0]!) });
    assert.deepEqual(lzw, { payload: toHex(blob) });
  },
});

Deno.test("every wire decoder turns mutated input into a value or a DecodeError", () => {
  const corpus = vectors.map((v) => fromHex(v.hex)).filter((b) => b.length < 4096);
  corpus.push(...randomMessages(15, 50).map(encodeMessage));
  for (const input of mutations(16, corpus, 6_000)) {
    onlyDecodeError("decodeMessage", input, () => decodeMessage(input));
    onlyDecodeError("decodeBody", input, () => decodeBody(input[0] ?? 0, input.subarray(2)));
    onlyDecodeError("decodeCompoundMessage", input, () => decodeCompoundMessage(input.subarray(1)));
    onlyDecodeError(
      "decompressPayload",
      input,
      () => decompressPayload(input.subarray(1), { maxOutputBytes: 1 << 20 }),
    );
    onlyDecodeError("verifyCrc", input, () => verifyCrc(input));
    onlyDecodeError("removeLabelHeader", input, () => removeLabelHeader(input));
    onlyDecodeError("decodePushPullHeader", input, () => decodePushPullHeader(input));
    onlyDecodeError("decodePushNodeState", input, () => decodePushNodeState(input));
    onlyDecodeError("decodeUserMsgHeader", input, () => decodeUserMsgHeader(input));
  }
});

Deno.test("decodePacketBody decodes as decodeBody does, with byte fields as views into the datagram", () => {
  const messages: BodyMessage[] = [
    {
      type: "alive",
      incarnation: 3,
      node: "web-1",
      addr: new Uint8Array([10, 0, 0, 1]),
      port: 7946,
      meta: new Uint8Array([1, 2, 3]),
      vsn: [1, 5, 2, 2, 5, 4],
    },
    { type: "ackResp", seqNo: 9, payload: new Uint8Array([4, 5]) },
    { type: "ping", seqNo: 1, node: "web-2", sourceAddr: new Uint8Array([10, 0, 0, 2]), sourcePort: 7946 },
    { type: "suspect", incarnation: 2, node: "web-3", from: "web-1" },
  ];
  for (const msg of messages) {
    const packet = encodeMessage(msg);
    const body = packet.subarray(1);
    const viewed = decodePacketBody(packet[0]!, body);
    assert.deepEqual(viewed, decodeBody(packet[0]!, body));
    for (const value of Object.values(viewed)) {
      if (value instanceof Uint8Array && value.length > 0) assert.equal(value.buffer, packet.buffer);
    }
  }
  assert.throws(() => decodePacketBody(MessageType.compound, new Uint8Array([0])), DecodeError);
});
