import { lzwCompress, lzwDecompress } from "../../lib/codec/lzw.ts";
import { decodeGeneric, decodeMsgpack, decodeMsgpackPrefix } from "../../lib/codec/msgpack.ts";
import { msgpackObjectLength, StreamReader } from "../../lib/codec/stream_reader.ts";
import { DecodeError } from "../../lib/util/errors.ts";
import { fromHex, loadVectors } from "./_golden.ts";
import { mutations, onlyDecodeError } from "./_fuzz.ts";

const corpus = [...loadVectors("msgpack.json"), ...loadVectors("memberlist.json")]
  .map((v) => fromHex(v.hex))
  .filter((b) => b.length < 4096);

Deno.test("msgpack decoders turn any mutated input into a value or a DecodeError", () => {
  for (const input of mutations(1, corpus, 20_000)) {
    onlyDecodeError("decodeMsgpack", input, () => decodeMsgpack(input));
    onlyDecodeError("decodeMsgpackPrefix", input, () => decodeMsgpackPrefix(input, 0, { maxLength: 1000 }));
    onlyDecodeError("decodeGeneric", input, () => decodeGeneric(input));
    onlyDecodeError("msgpackObjectLength", input, () => msgpackObjectLength(input, 0, 8));
  }
});

Deno.test("lzwDecompress turns any mutated input into bytes or a DecodeError", () => {
  const lzwCorpus = corpus.slice(0, 40).map((b) => lzwCompress(b));
  for (const input of mutations(2, lzwCorpus, 5_000)) {
    onlyDecodeError("lzwDecompress", input, () => lzwDecompress(input, { maxOutputBytes: 1 << 20 }));
  }
});

Deno.test("StreamReader.readMsgpack only rejects with DecodeError on mutated streams", async () => {
  for (const input of mutations(3, corpus, 2_000)) {
    const reader = StreamReader.fromBytes(input, { maxObjectBytes: 1 << 16 });
    try {
      while (reader.buffered > 0 || (await reader.peekByte()) !== null) await reader.readMsgpack();
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
    }
  }
});
