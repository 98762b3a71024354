/**
 * Cost per byte of the gossip packet codec: LZW compression and
 * decompression, CRC-32, and memberlist's compress envelope around them
 * (`compressPayload`, `decompressPayload`). The corpus is real traffic: a
 * short simulation of the join storm (the agent's own code on the memory
 * network) runs first and every k-th datagram it sends is kept, so the
 * packets are the ~1-1.4 KB compounds of alive messages and Serf join intents
 * the simulator spends its time on. Figures are the median and best of several
 * rounds in ns per uncompressed byte; the machine is shared, so compare runs back to back.
 *
 * Run: `deno run --allow-read --allow-write scripts/bench/lzw_codec.ts [packets] [rounds]`
 *
 * @module
 */
import { crc32 } from "../../lib/codec/crc32.ts";
import { lzwCompress, lzwDecompress } from "../../lib/codec/lzw.ts";
import { MessageType } from "../../lib/memberlist/messages.ts";
import { compressPayload, decodeCompress, decompressPayload } from "../../lib/memberlist/wire.ts";
import { MemoryNetwork } from "../../lib/transport/memory.ts";
import { parseSimulateOptions } from "../simulate/options.ts";
import { simulate } from "../simulate/scenario.ts";

const PACKETS = Number(Deno.args[0] ?? 3000);
const ROUNDS = Number(Deno.args[1] ?? 15);

/** The uncompressed packets (what `compressPayload` is given) of a short simulated join storm. */
async function captureCorpus(limit: number): Promise<Uint8Array[]> {
  const seen: Uint8Array[] = [];
  const listen = MemoryNetwork.prototype.listen;
  MemoryNetwork.prototype.listen = function (this: MemoryNetwork, ...args: Parameters<typeof listen>) {
    const transport = listen.apply(this, args);
    const send = transport.sendPacket.bind(transport);
    transport.sendPacket = (buf, to) => {
      seen.push(buf.slice());
      send(buf, to);
    };
    return transport;
  };
  try {
    await simulate(parseSimulateOptions(["--nodes", "120", "--seconds", "6"]));
  } finally {
    MemoryNetwork.prototype.listen = listen;
  }
  const payloads: Uint8Array[] = [];
  for (const packet of seen) {
    let buf = packet;
    if (buf[0] === MessageType.hasCrc) buf = buf.subarray(5);
    if (buf[0] !== MessageType.compress) continue;
    payloads.push(lzwDecompress(decodeCompress(buf.subarray(1)).buf));
  }
  const step = Math.max(1, Math.floor(payloads.length / limit));
  return payloads.filter((_, i) => i % step === 0).slice(0, limit);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Median and best ns per byte of `bytes` for one pass of each case over the
 * corpus, the cases taking turns round by round so a busy spell on the
 * machine hits them alike.
 */
function measure(bytes: number, cases: [string, () => number][]): [string, number, number][] {
  let sink = 0;
  for (let i = 0; i < 3; i++) for (const [, run] of cases) sink += run(); // let the JIT settle
  const perByte = cases.map((): number[] => []);
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach(([, run], c) => {
      const t0 = performance.now();
      sink += run();
      perByte[c]!.push(((performance.now() - t0) * 1e6) / bytes);
    });
  }
  if (sink === -1) console.log("unreachable");
  return cases.map(([name], c) => [name, median(perByte[c]!), Math.min(...perByte[c]!)]);
}

if (import.meta.main) {
  const payloads = await captureCorpus(PACKETS);
  const compressed = payloads.map(lzwCompress);
  const envelopes = payloads.map((p) => compressPayload(p).subarray(1));
  const raw = payloads.reduce((n, p) => n + p.length, 0);
  const packed = compressed.reduce((n, p) => n + p.length, 0);
  console.log(
    `corpus: ${payloads.length} packets, ${(raw / payloads.length).toFixed(0)} bytes on average, ` +
      `LZW to ${(packed / raw * 100).toFixed(1)}%`,
  );
  const rows = measure(raw, [
    ["lzwCompress", () => payloads.reduce((n, p) => n + lzwCompress(p).length, 0)],
    ["lzwDecompress", () => compressed.reduce((n, c) => n + lzwDecompress(c).length, 0)],
    ["crc32", () => payloads.reduce((n, p) => n ^ crc32(p), 0)],
    ["compressPayload", () => payloads.reduce((n, p) => n + compressPayload(p).length, 0)],
    ["decompressPayload", () => envelopes.reduce((n, e) => n + decompressPayload(e).length, 0)],
  ]);
  console.log(`${"".padEnd(18)} ns/byte: median    best`);
  for (const [name, mid, best] of rows) {
    console.log(`${name.padEnd(18)} ${mid.toFixed(2).padStart(16)} ${best.toFixed(2).padStart(7)}`);
  }
}
